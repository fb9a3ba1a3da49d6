package io.shardwal.nativetests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Child JVM: a FUSE file system in memory that can cut the power. Processes see an ordinary file system (files,
 * directories, {@code mmap}, {@code fallocate}, {@code fsync}); {@link DurableTree} keeps aside what a disk would
 * hold, and on {@code CUT <directory> <seed>} on stdin the image a power cut would leave right now is written to
 * {@code directory} and {@code CUT <summary>} printed ({@code synced-only} for the seed: with nothing that was not
 * synced, the worst case). From the cut on, the disk is gone: every request that would change it (writes, syncs,
 * creations, renames, deletions, resizes) fails with EIO, so nothing can be made durable — and acknowledged — after
 * the cut; reads are still served from what processes see (a failed read of a mapped page would kill them with
 * SIGBUS). {@code EXIT} (or the end of stdin) unmounts and exits.
 *
 * <p>It must run in a process of its own: a process that faults on a page of this file system waits for it, so
 * the server cannot share its JVM (a safepoint would wait for the faulting thread).
 *
 * <p>Arguments ({@code name=value}): {@code mount} (an empty directory), optionally {@code image} (a directory whose
 * files the file system starts with, as durable: the disk found after the previous cut). Prints {@code MOUNTED} once
 * the kernel's first request was answered, or {@link #UNAVAILABLE} and why if this machine does not let it mount.
 */
public final class PowerLossFs
{
    /** How the server says that it could not mount at all. */
    static final String UNAVAILABLE = "X unavailable: ";
    private static final int INIT = 26;
    private static final int FUSE_MINOR = 31;
    private static final int MAX_WRITE = 128 * 1024;
    private static final int IN_HEADER = 40;
    private static final int OUT_HEADER = 16;
    private static final int ATTR_LENGTH = 88;
    private static final int ENTRY_OUT = 40 + ATTR_LENGTH;
    private static final int ATTR_OUT = 16 + ATTR_LENGTH;
    private static final int FATTR_SIZE = 8;
    private static final int RENAME_NOREPLACE = 1;

    private static final int ENOENT = 2;
    private static final int EIO = 5;
    private static final int EEXIST = 17;
    private static final int ENOTDIR = 20;
    private static final int EISDIR = 21;
    private static final int EINVAL = 22;
    private static final int ENOSYS = 38;
    private static final int ENOTEMPTY = 39;
    private static final int EOPNOTSUPP = 95;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final FuseDevice device;
    private final DurableTree tree = new DurableTree();
    private final MemorySegment request = Arena.global().allocate(MAX_WRITE + 64 * 1024, 8);
    private final MemorySegment reply = Arena.global().allocate(MAX_WRITE + 64 * 1024, 8);
    private volatile boolean initialised;
    /** Set under the tree's lock once the image is written: the disk is gone. */
    private boolean powerCut;

    private PowerLossFs(final FuseDevice device)
    {
        this.device = device;
    }

    public static void main(final String[] argv) throws Exception
    {
        final ChildArgs args = ChildArgs.parse(argv);
        final Path mount = args.path("mount");
        final FuseDevice device;
        try
        {
            device = FuseDevice.mount(mount, "shardwal-power-loss");
        }
        catch (final IOException e)
        {
            // Not a failure of the test: the machine does not let this process mount (not root, no FUSE).
            ChildOutput.line(UNAVAILABLE + e.getMessage());
            System.exit(2);
            return;
        }
        final PowerLossFs fs = new PowerLossFs(device);
        final String image = args.string("image", "");
        if (!image.isEmpty())
        {
            fs.tree.load(Path.of(image));
        }
        final Thread server = Thread.ofPlatform().name("fuse-server").start(fs::serve);
        final BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = stdin.readLine()) != null && !line.equals("EXIT"))
        {
            final String[] words = line.split(" ");
            if (words[0].equals("CUT") && words.length == 3)
            {
                final String summary;
                synchronized (fs.tree)
                {
                    summary = fs.tree.cut(Path.of(words[1]),
                        words[2].equals("synced-only") ? null : new SplittableRandom(Long.parseLong(words[2])));
                    fs.powerCut = true;
                }
                ChildOutput.line("CUT " + summary);
            }
            else
            {
                ChildOutput.line("X unknown command: " + line);
            }
        }
        device.unmount();
        server.join(10_000);
        System.exit(0);
    }

    private void serve()
    {
        try
        {
            int length;
            while ((length = device.read(request)) > 0)
            {
                final int opcode = request.get(INT, 4);
                final long unique = request.get(LONG, 8);
                final long nodeId = request.get(LONG, 16);
                if (opcode == 2 || opcode == 42 || opcode == 36)
                {
                    continue; // FORGET, BATCH_FORGET and INTERRUPT take no reply
                }
                final int replyLength;
                synchronized (tree)
                {
                    replyLength = handle(opcode, nodeId, length);
                }
                reply.set(LONG, 8, unique);
                if (replyLength < 0)
                {
                    reply.set(INT, 0, OUT_HEADER);
                    reply.set(INT, 4, replyLength);
                    device.write(reply, OUT_HEADER);
                }
                else
                {
                    reply.set(INT, 0, OUT_HEADER + replyLength);
                    reply.set(INT, 4, 0);
                    device.write(reply, OUT_HEADER + replyLength);
                }
                if (opcode == INIT && !initialised)
                {
                    initialised = true;
                    ChildOutput.line("MOUNTED");
                }
            }
        }
        catch (final IOException | RuntimeException e)
        {
            ChildOutput.line("X the file system server failed: " + e);
        }
    }

    /** Handles one request; returns the length of the reply body written at {@link #OUT_HEADER}, or -errno. */
    private int handle(final int opcode, final long nodeId, final int length)
    {
        final DurableTree.Node node = tree.node(nodeId);
        if (node == null && opcode != INIT)
        {
            return -ENOENT;
        }
        if (powerCut && changesTheDisk(opcode))
        {
            return -EIO;
        }
        final long in = IN_HEADER;
        return switch (opcode)
        {
            case INIT -> init();
            case 1 -> lookup(node, name(in, length));
            case 3, 4 -> setattr(node, opcode == 4);
            case 9 -> create(node, name(in + 8, length), true, false);
            case 35 -> create(node, name(in + 16, length), false, true);
            case 10, 11 -> remove(node, name(in, length), opcode == 11);
            case 12 -> rename(node, request.get(LONG, in), in + 8, length, 0);
            case 45 -> rename(node, request.get(LONG, in), in + 16, length, request.get(INT, in + 8));
            case 14, 27 -> openReply();
            case 15 -> read(node);
            case 16 -> write(node);
            case 17 -> statfs();
            case 18, 25, 29, 34 -> 0; // RELEASE, FLUSH, RELEASEDIR, ACCESS
            case 20, 30 -> fsync(node);
            case 28 -> readdir(node);
            case 43 -> fallocate(node);
            default -> -ENOSYS;
        };
    }

    /** Writes, syncs, creations, deletions, renames, resizes and allocations. */
    private static boolean changesTheDisk(final int opcode)
    {
        return switch (opcode)
        {
            case 4, 9, 10, 11, 12, 16, 20, 30, 35, 43, 45 -> true;
            default -> false;
        };
    }

    private int init()
    {
        final long out = OUT_HEADER;
        reply.asSlice(out, 64).fill((byte)0);
        reply.set(INT, out, 7);
        reply.set(INT, out + 4, FUSE_MINOR);
        reply.set(INT, out + 8, MAX_WRITE);
        reply.set(INT, out + 12, 1 << 5); // FUSE_BIG_WRITES: write(2) in requests of up to max_write
        reply.set(SHORT, out + 16, (short)16);
        reply.set(SHORT, out + 18, (short)12);
        reply.set(INT, out + 20, MAX_WRITE);
        reply.set(INT, out + 24, 1);
        return 64;
    }

    private int lookup(final DurableTree.Node directory, final String name)
    {
        if (!directory.directory)
        {
            return -ENOTDIR;
        }
        final DurableTree.Node child = directory.entries.get(name);
        return child == null ? -ENOENT : entry(child, OUT_HEADER);
    }

    private int setattr(final DurableTree.Node node, final boolean set)
    {
        if (set && (request.get(INT, IN_HEADER) & FATTR_SIZE) != 0)
        {
            if (node.directory)
            {
                return -EISDIR;
            }
            tree.resize(node, request.get(LONG, IN_HEADER + 16));
        }
        reply.set(LONG, OUT_HEADER, 0);
        reply.set(LONG, OUT_HEADER + 8, 0);
        attr(node, OUT_HEADER + 16);
        return ATTR_OUT;
    }

    private int create(final DurableTree.Node directory, final String name, final boolean mkdir, final boolean open)
    {
        if (!directory.directory)
        {
            return -ENOTDIR;
        }
        if (directory.entries.containsKey(name))
        {
            return -EEXIST;
        }
        final DurableTree.Node child = tree.newNode(mkdir);
        tree.setEntry(directory, name, child);
        final int length = entry(child, OUT_HEADER);
        if (!open)
        {
            return length;
        }
        reply.asSlice(OUT_HEADER + length, 16).fill((byte)0);
        return length + 16;
    }

    private int remove(final DurableTree.Node directory, final String name, final boolean rmdir)
    {
        final DurableTree.Node child = directory.entries.get(name);
        if (child == null)
        {
            return -ENOENT;
        }
        if (child.directory != rmdir)
        {
            return rmdir ? -ENOTDIR : -EISDIR;
        }
        if (rmdir && !child.entries.isEmpty())
        {
            return -ENOTEMPTY;
        }
        tree.setEntry(directory, name, null);
        return 0;
    }

    private int rename(final DurableTree.Node from, final long toId, final long names, final int length,
        final int flags)
    {
        final DurableTree.Node to = tree.node(toId);
        final String oldName = name(names, length);
        final String newName = name(names + oldName.getBytes(StandardCharsets.UTF_8).length + 1, length);
        final DurableTree.Node moved = from.entries.get(oldName);
        if (to == null || moved == null)
        {
            return -ENOENT;
        }
        if ((flags & ~RENAME_NOREPLACE) != 0)
        {
            return -EINVAL;
        }
        final DurableTree.Node replaced = to.entries.get(newName);
        if (replaced != null && (flags & RENAME_NOREPLACE) != 0)
        {
            return -EEXIST;
        }
        if (replaced != null && replaced.directory && !replaced.entries.isEmpty())
        {
            return -ENOTEMPTY;
        }
        if (from == to)
        {
            if (!oldName.equals(newName))
            {
                tree.rename(from, oldName, newName);
            }
            return 0;
        }
        tree.setEntry(to, newName, moved);
        tree.setEntry(from, oldName, null);
        return 0;
    }

    private int openReply()
    {
        reply.asSlice(OUT_HEADER, 16).fill((byte)0);
        return 16;
    }

    private int read(final DurableTree.Node file)
    {
        if (file.directory)
        {
            return -EISDIR;
        }
        final long offset = request.get(LONG, IN_HEADER + 8);
        final int size = request.get(INT, IN_HEADER + 16);
        final int length = (int)Math.max(0, Math.min(size, file.size - offset));
        MemorySegment.copy(file.data, (int)Math.min(offset, file.size), reply, ValueLayout.JAVA_BYTE, OUT_HEADER,
            length);
        return length;
    }

    private int write(final DurableTree.Node file)
    {
        if (file.directory)
        {
            return -EISDIR;
        }
        final long offset = request.get(LONG, IN_HEADER + 8);
        final int size = request.get(INT, IN_HEADER + 16);
        final byte[] bytes = request.asSlice(IN_HEADER + 40, size).toArray(ValueLayout.JAVA_BYTE);
        tree.write(file, offset, bytes);
        reply.set(INT, OUT_HEADER, size);
        reply.set(INT, OUT_HEADER + 4, 0);
        return 8;
    }

    private int statfs()
    {
        final long out = OUT_HEADER;
        reply.asSlice(out, 80).fill((byte)0);
        reply.set(LONG, out, 1L << 22);
        reply.set(LONG, out + 8, 1L << 22);
        reply.set(LONG, out + 16, 1L << 22);
        reply.set(LONG, out + 24, 1L << 20);
        reply.set(LONG, out + 32, 1L << 20);
        reply.set(INT, out + 40, 4096);
        reply.set(INT, out + 44, 255);
        reply.set(INT, out + 48, 4096);
        return 80;
    }

    private int fsync(final DurableTree.Node node)
    {
        tree.fsync(node);
        return 0;
    }

    private int readdir(final DurableTree.Node directory)
    {
        if (!directory.directory)
        {
            return -ENOTDIR;
        }
        final long offset = request.get(LONG, IN_HEADER + 8);
        final int size = request.get(INT, IN_HEADER + 16);
        final List<Map.Entry<String, DurableTree.Node>> entries = new ArrayList<>(directory.entries.entrySet());
        int at = OUT_HEADER;
        for (int i = (int)offset; i < entries.size(); i++)
        {
            final byte[] name = entries.get(i).getKey().getBytes(StandardCharsets.UTF_8);
            final int record = (24 + name.length + 7) & -8;
            if (at - OUT_HEADER + record > size)
            {
                break;
            }
            reply.asSlice(at, record).fill((byte)0);
            reply.set(LONG, at, entries.get(i).getValue().id);
            reply.set(LONG, at + 8, i + 1);
            reply.set(INT, at + 16, name.length);
            reply.set(INT, at + 20, entries.get(i).getValue().directory ? 4 : 8);
            MemorySegment.copy(name, 0, reply, ValueLayout.JAVA_BYTE, at + 24, name.length);
            at += record;
        }
        return at - OUT_HEADER;
    }

    private int fallocate(final DurableTree.Node file)
    {
        final long offset = request.get(LONG, IN_HEADER + 8);
        final long length = request.get(LONG, IN_HEADER + 16);
        final int mode = request.get(INT, IN_HEADER + 24);
        if (file.directory)
        {
            return -EISDIR;
        }
        if (mode != 0)
        {
            return -EOPNOTSUPP;
        }
        if (offset + length > file.size)
        {
            tree.resize(file, offset + length);
        }
        return 0;
    }

    private int entry(final DurableTree.Node node, final long at)
    {
        reply.set(LONG, at, node.id);
        reply.set(LONG, at + 8, 0);
        reply.set(LONG, at + 16, 0);
        reply.set(LONG, at + 24, 0);
        reply.set(INT, at + 32, 0);
        reply.set(INT, at + 36, 0);
        attr(node, at + 40);
        return ENTRY_OUT;
    }

    private void attr(final DurableTree.Node node, final long at)
    {
        reply.asSlice(at, ATTR_LENGTH).fill((byte)0);
        final long size = node.directory ? 4096 : node.size;
        reply.set(LONG, at, node.id);
        reply.set(LONG, at + 8, size);
        reply.set(LONG, at + 16, (size + 511) / 512);
        reply.set(INT, at + 60, node.directory ? 0040755 : 0100644);
        reply.set(INT, at + 64, node.directory ? 2 : 1);
        reply.set(INT, at + 80, 4096);
    }

    /** The NUL-terminated name at {@code offset} of the request. */
    private String name(final long offset, final int length)
    {
        long end = offset;
        while (end < length && request.get(ValueLayout.JAVA_BYTE, end) != 0)
        {
            end++;
        }
        return new String(request.asSlice(offset, end - offset).toArray(ValueLayout.JAVA_BYTE),
            StandardCharsets.UTF_8);
    }
}
