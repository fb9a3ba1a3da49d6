package io.shardwal.nativetests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The files of {@link PowerLossFs} twice over: as every process sees them, and as a disk would hold them after a
 * power cut. Nothing written reaches the second view unless it was made durable the POSIX way:
 *
 * <ul>
 *   <li>a file's bytes and length once {@code fsync} (or {@code fdatasync}, or an {@code msync} that sends one)
 *       returned for that file;</li>
 *   <li>a directory's entries (create, mkdir, unlink, rename) once {@code fsync} of that directory returned.</li>
 * </ul>
 *
 * Whatever was written after that may or may not be on the disk, as after a real power cut: {@link #cut} keeps each
 * file's unsynced writes whole, not at all, or 512-byte sector by sector at random (never past the length last made
 * durable: a file's growth is metadata), and for each directory applies a random prefix of its unsynced changes
 * (file systems journal metadata in order).
 *
 * <p><b>Threads.</b> Not thread-safe; {@link PowerLossFs} calls it under one lock.
 */
final class DurableTree
{
    static final int SECTOR = 512;

    /** A file or a directory. */
    static final class Node
    {
        final long id;
        final boolean directory;
        byte[] data = new byte[0];
        long size;
        byte[] durable = new byte[0];
        long durableSize;
        /** Shrunk since the last fsync: the next fsync copies the whole file rather than its unsynced writes. */
        boolean shrunk;
        final List<Write> unsynced = new ArrayList<>();
        final TreeMap<String, Node> entries = new TreeMap<>();
        TreeMap<String, Node> durableEntries = new TreeMap<>();
        final List<EntryChange> unsyncedEntries = new ArrayList<>();

        Node(final long id, final boolean directory)
        {
            this.id = id;
            this.directory = directory;
        }
    }

    /** Bytes written at an offset, not made durable yet. */
    record Write(long offset, byte[] bytes)
    {
    }

    /**
     * A directory entry set ({@code node} non-null) or removed, not made durable yet; a rename within the directory
     * also removes {@code renamedFrom} in the same change (a journal makes a rename atomic).
     */
    record EntryChange(String name, Node node, String renamedFrom)
    {
    }

    private final Map<Long, Node> nodes = new HashMap<>();
    private final Node root;
    private long nextId = 2;

    DurableTree()
    {
        root = new Node(1, true);
        nodes.put(root.id, root);
    }

    Node root()
    {
        return root;
    }

    Node node(final long id)
    {
        return nodes.get(id);
    }

    Node newNode(final boolean directory)
    {
        final Node node = new Node(nextId++, directory);
        nodes.put(node.id, node);
        return node;
    }

    /** Sets (or, with a null node, removes) an entry of {@code directory}; durable after its fsync. */
    void setEntry(final Node directory, final String name, final Node node)
    {
        if (node == null)
        {
            directory.entries.remove(name);
        }
        else
        {
            directory.entries.put(name, node);
        }
        directory.unsyncedEntries.add(new EntryChange(name, node, null));
    }

    /** Renames {@code from} to {@code to} within {@code directory}, in one change. */
    void rename(final Node directory, final String from, final String to)
    {
        final Node node = directory.entries.remove(from);
        directory.entries.put(to, node);
        directory.unsyncedEntries.add(new EntryChange(to, node, from));
    }

    void write(final Node file, final long offset, final byte[] bytes)
    {
        final long end = offset + bytes.length;
        file.data = ensure(file.data, end);
        System.arraycopy(bytes, 0, file.data, (int)offset, bytes.length);
        file.size = Math.max(file.size, end);
        file.unsynced.add(new Write(offset, bytes));
    }

    void resize(final Node file, final long size)
    {
        file.data = ensure(file.data, size);
        if (size < file.size)
        {
            Arrays.fill(file.data, (int)size, (int)file.size, (byte)0);
            file.shrunk = true;
        }
        file.size = size;
    }

    void fsync(final Node node)
    {
        if (node.directory)
        {
            node.durableEntries = new TreeMap<>(node.entries);
            node.unsyncedEntries.clear();
            return;
        }
        if (node.shrunk)
        {
            node.durable = Arrays.copyOf(node.data, node.data.length);
            node.shrunk = false;
        }
        else
        {
            node.durable = ensure(node.durable, node.size);
            for (final Write write : node.unsynced)
            {
                System.arraycopy(write.bytes(), 0, node.durable, (int)write.offset(), write.bytes().length);
            }
        }
        node.durableSize = node.size;
        node.unsynced.clear();
    }

    /**
     * Writes what a power cut now would leave on the disk into {@code target} (a new directory): with a random
     * part of what was not synced, or with {@code random} null, nothing of it (the worst case). Returns how many
     * unsynced writes and directory changes were dropped, for the log.
     */
    String cut(final Path target, final SplittableRandom random)
    {
        final int[] dropped = new int[2];
        try
        {
            Files.createDirectories(target);
            export(root, target, random, dropped);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot write the power-cut image to " + target, e);
        }
        return "dropped " + dropped[0] + " unsynced writes (some in part) and " + dropped[1] + " directory changes";
    }

    private void export(final Node directory, final Path target, final SplittableRandom random, final int[] dropped)
        throws IOException
    {
        final TreeMap<String, Node> entries = new TreeMap<>(directory.durableEntries);
        final int changes = directory.unsyncedEntries.size();
        final int kept = pick(random, changes);
        for (final EntryChange change : directory.unsyncedEntries.subList(0, kept))
        {
            if (change.node() == null)
            {
                entries.remove(change.name());
            }
            else
            {
                if (change.renamedFrom() != null)
                {
                    entries.remove(change.renamedFrom());
                }
                entries.put(change.name(), change.node());
            }
        }
        dropped[1] += changes - kept;
        for (final Map.Entry<String, Node> entry : entries.entrySet())
        {
            final Path path = target.resolve(entry.getKey());
            final Node node = entry.getValue();
            if (node.directory)
            {
                Files.createDirectories(path);
                export(node, path, random, dropped);
            }
            else
            {
                Files.write(path, fileAfterCut(node, random, dropped));
            }
        }
    }

    /** The durable bytes with each unsynced write kept whole, dropped, or kept sector by sector. */
    private static byte[] fileAfterCut(final Node file, final SplittableRandom random, final int[] dropped)
    {
        final int length = (int)file.durableSize;
        final byte[] bytes = Arrays.copyOf(file.durable, length);
        if (random == null)
        {
            dropped[0] += file.unsynced.size();
            return bytes;
        }
        final int how = random.nextInt(3);
        for (final Write write : file.unsynced)
        {
            final int mode = how == 2 ? random.nextInt(3) : how;
            if (mode == 1)
            {
                dropped[0]++;
                continue;
            }
            final long start = write.offset();
            final long end = Math.min(start + write.bytes().length, length);
            for (long at = start; at < end; )
            {
                final long sectorEnd = Math.min(end, (at / SECTOR + 1) * SECTOR);
                if (mode == 0 || random.nextBoolean())
                {
                    System.arraycopy(write.bytes(), (int)(at - start), bytes, (int)at, (int)(sectorEnd - at));
                }
                at = sectorEnd;
            }
            dropped[0] += mode == 2 ? 1 : 0;
        }
        return bytes;
    }

    /** How many of {@code count} unsynced changes survive: all, none, or any number, a third of the time each. */
    private static int pick(final SplittableRandom random, final int count)
    {
        if (random == null)
        {
            return 0;
        }
        return switch (random.nextInt(3))
        {
            case 0 -> count;
            case 1 -> 0;
            default -> random.nextInt(count + 1);
        };
    }

    /** Loads {@code source} as both views: a disk found after a power cut, mounted again. */
    void load(final Path source)
    {
        load(root, source);
    }

    private void load(final Node directory, final Path source)
    {
        try (Stream<Path> children = Files.list(source))
        {
            for (final Path child : children.sorted().toList())
            {
                final boolean isDirectory = Files.isDirectory(child);
                final Node node = newNode(isDirectory);
                if (isDirectory)
                {
                    load(node, child);
                }
                else
                {
                    node.data = Files.readAllBytes(child);
                    node.size = node.data.length;
                    node.durable = node.data.clone();
                    node.durableSize = node.size;
                }
                directory.entries.put(child.getFileName().toString(), node);
            }
            directory.durableEntries = new TreeMap<>(directory.entries);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot load " + source, e);
        }
    }

    private static byte[] ensure(final byte[] bytes, final long length)
    {
        if (length > Integer.MAX_VALUE - 8)
        {
            throw new IllegalArgumentException("a file of " + length + " bytes is too large for this test file system");
        }
        if (length <= bytes.length)
        {
            return bytes;
        }
        return Arrays.copyOf(bytes, (int)Math.max(length, Math.min(Integer.MAX_VALUE - 8L, bytes.length * 2L)));
    }
}
