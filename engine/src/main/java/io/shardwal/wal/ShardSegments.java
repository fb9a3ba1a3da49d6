package io.shardwal.wal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.shardwal.mmap.CommittedPrefix;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.mmap.Uninterrupted;

/**
 * The segment files of one shard and their mappings. A segment is mapped while the writer pins it (the active
 * segment, the prepared ones, and every one the durable frontier has not passed yet) or a reader holds it; a
 * bounded number of unused mappings is kept for readers that come back, the least recently used beyond that are
 * unmapped.
 *
 * <p><b>Threads.</b> All methods are synchronized; none is on the append path (the writer appends through its
 * active appender, readers only come here when they change segments).
 */
final class ShardSegments implements AutoCloseable
{
    static final String SUFFIX = ".wal";

    private final int shard;
    private final Path directory;
    private final long segmentSize;
    private final boolean writable;
    private final int maxUnusedMappings;
    private final TreeMap<Long, Entry> entries = new TreeMap<>();
    /** Removed (pruned) segments that readers still hold; unmapped when the last reader releases them. */
    private final List<Entry> orphans = new ArrayList<>();
    private long useClock;
    private boolean closed;
    /** Committed frontier last seen by a read-only open (a cache for {@link ReadOnlyFrontier}). */
    private long readOnlyFrontier;
    /**
     * How far a read-only open last saw the writer claim: claims only grow while one writer runs, so the next look
     * starts there once it has checked that the tail counters still reach it (a new writer's recovery may cut them).
     */
    private long readOnlyClaimed;
    /** Null in production. */
    private volatile Uninterrupted.IoRun creationFault;

    private static final class Entry
    {
        final long base;
        final Path file;
        MappedSegment mapping;
        int readers;
        boolean pinned;
        long lastUse;
        /** What readers learnt of the file's committed frames; created by the first reader that asks. */
        CommittedPrefix prefix;

        Entry(final long base, final Path file)
        {
            this.base = base;
            this.file = file;
        }
    }

    ShardSegments(final int shard, final Path directory, final long segmentSize, final boolean writable,
        final int maxUnusedMappings)
    {
        this.shard = shard;
        this.directory = directory;
        this.segmentSize = segmentSize;
        this.writable = writable;
        this.maxUnusedMappings = maxUnusedMappings;
    }

    static String fileName(final long base)
    {
        return String.format("%020d%s", base, SUFFIX);
    }

    Path fileFor(final long base)
    {
        return directory.resolve(fileName(base));
    }

    Path directory()
    {
        return directory;
    }

    long segmentSize()
    {
        return segmentSize;
    }

    synchronized long readOnlyFrontier()
    {
        return readOnlyFrontier;
    }

    synchronized void readOnlyFrontier(final long position)
    {
        readOnlyFrontier = Math.max(readOnlyFrontier, position);
    }

    synchronized long readOnlyClaimed()
    {
        return readOnlyClaimed;
    }

    /** Sets it, lower too: a recovery may have cut the claims a crashed writer never wrote. */
    synchronized void readOnlyClaimed(final long position)
    {
        readOnlyClaimed = position;
    }

    /**
     * Lists the segment files on disk (ignoring other files) and checks that they form one unbroken chain, whose
     * newest segment was not rolled into a successor now missing ({@link LostSegments}).
     *
     * @return names of leftover files of interrupted segment creations, which the caller reports and deletes.
     */
    synchronized List<Path> discover() throws IOException
    {
        final List<Path> leftovers = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory))
        {
            for (final Path file : files)
            {
                final String name = file.getFileName().toString();
                if (name.endsWith(SUFFIX + MappedSegment.CREATING_SUFFIX))
                {
                    leftovers.add(file);
                    continue;
                }
                final long base = parseBase(name);
                if (base >= 0 && !entries.containsKey(base))
                {
                    entries.put(base, new Entry(base, file));
                }
            }
        }
        catch (final NoSuchFileException e)
        {
            return leftovers;
        }
        long expected = -1;
        for (final long base : entries.keySet())
        {
            if (base % segmentSize != 0)
            {
                throw new ShardwalException(ShardwalException.Category.CORRUPT, "shard " + shard + " has segment "
                    + fileName(base) + " whose base is not a multiple of the segment size " + segmentSize,
                    fileFor(base), ShardwalException.NO_OFFSET);
            }
            if (expected >= 0 && base != expected)
            {
                throw new ShardwalException(ShardwalException.Category.CORRUPT, "shard " + shard + " is missing "
                    + "segment " + fileName(expected) + " between " + fileName(expected - segmentSize) + " and "
                    + fileName(base) + ": positions [" + expected + ", " + base + ") are gone",
                    fileFor(expected), ShardwalException.NO_OFFSET);
            }
            expected = base + segmentSize;
        }
        if (expected >= 0)
        {
            LostSegments.refuseLostSuccessor(shard, directory, expected - segmentSize, segmentSize);
        }
        return leftovers;
    }

    /**
     * Base position of a segment file name, or -1 if the name is not one: 20 ASCII digits that {@link #fileName}
     * would write (not digits of other scripts, which would alias a real segment's base, nor a number past
     * {@code Long.MAX_VALUE}).
     */
    static long parseBase(final String name)
    {
        if (name.length() != 20 + SUFFIX.length() || !name.endsWith(SUFFIX))
        {
            return -1;
        }
        long base = 0;
        for (int i = 0; i < 20; i++)
        {
            final char c = name.charAt(i);
            if (c < '0' || c > '9' || base > (Long.MAX_VALUE - (c - '0')) / 10)
            {
                return -1;
            }
            base = base * 10 + (c - '0');
        }
        return base;
    }

    /**
     * For a read-only registry, lists the shard's directory again: the writer (another open, perhaps in another
     * process) rolls and prunes without telling it. Segments whose files are gone are forgotten, and unmapped now
     * if no reader holds them (so that the disk space of pruned files is freed), else when the last one releases
     * them; new files are added. No chain check: a listing racing a roll may miss a file created meanwhile, which
     * {@link #acquire} finds when a reader gets there. The writer's own registry knows its files: nothing to do.
     *
     * @throws ShardwalException IO naming the shard's directory if it cannot be listed.
     */
    synchronized void relist()
    {
        if (writable || closed)
        {
            return;
        }
        final Set<Long> listed = new HashSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory))
        {
            for (final Path file : files)
            {
                final long base = parseBase(file.getFileName().toString());
                if (base >= 0 && base % segmentSize == 0)
                {
                    listed.add(base);
                    entries.computeIfAbsent(base, known -> new Entry(known, file));
                }
            }
        }
        catch (final NoSuchFileException e)
        {
            // The shard's directory is gone, and its files with it
        }
        catch (final IOException e)
        {
            throw new ShardwalException(ShardwalException.Category.IO, "shard " + shard + ": cannot list its segment "
                + "files in " + directory + ": " + e, directory, ShardwalException.NO_OFFSET, e);
        }
        entries.values().removeIf(entry -> !listed.contains(entry.base) && !Files.exists(entry.file) && forget(entry));
    }

    /** Unmaps a forgotten segment's mapping now, or when its last reader releases it; returns true. */
    private boolean forget(final Entry entry)
    {
        if (entry.mapping != null && entry.readers == 0)
        {
            entry.mapping.close();
            entry.mapping = null;
        }
        else if (entry.mapping != null)
        {
            orphans.add(entry);
        }
        return true;
    }

    /** Position of the oldest record on disk (0 if none); a read-only registry lists its files again first. */
    synchronized long firstPosition()
    {
        relist();
        return Math.max(0, firstBase());
    }

    synchronized boolean isEmpty()
    {
        return entries.isEmpty();
    }

    synchronized long firstBase()
    {
        return entries.isEmpty() ? -1 : entries.firstKey();
    }

    synchronized long lastBase()
    {
        return entries.isEmpty() ? -1 : entries.lastKey();
    }

    synchronized int count()
    {
        return entries.size();
    }

    synchronized List<Long> bases()
    {
        return new ArrayList<>(entries.keySet());
    }

    /**
     * Creates, preallocates and maps the writer's next segment at {@code base} (not registered yet; not under this
     * registry's lock, as preallocation is slow). If the file is there already, an earlier creation in this process
     * renamed it into place and then failed (mapping it, or syncing the directory): the writer holds the lock and
     * {@code base} lies past every file found at open, so nothing else made it. That complete, never claimed file is
     * taken over, its directory entry synced again; refusing it would keep the shard from ever rolling again. A
     * writer fills the segment as soon as it rolls into it, so its page cache is filled first
     * ({@link MappedSegment#createFilled}).
     */
    MappedSegment create(final long base) throws IOException
    {
        final Uninterrupted.IoRun fault = creationFault;
        if (fault != null)
        {
            fault.run();
        }
        final Path file = fileFor(base);
        if (!Files.exists(file))
        {
            return MappedSegment.createFilled(file, base, segmentSize, shard);
        }
        // Mapping and syncing go through FileChannels, which an interrupt closes: set it aside as create() does
        return Uninterrupted.call(() -> takeOver(file, base));
    }

    private MappedSegment takeOver(final Path file, final long base) throws IOException
    {
        final MappedSegment leftover = MappedSegment.openReadWrite(file);
        try
        {
            if (leftover.basePosition() != base || leftover.capacity() != segmentSize || leftover.ownerId() != shard
                || leftover.tailAcquire() != 0)
            {
                throw new IOException("cannot create segment " + file + ": a file that is not an unused segment "
                    + base + " of shard " + shard + " is in the way");
            }
            MappedSegment.syncDirectory(directory);
            return leftover;
        }
        catch (final IOException | RuntimeException e)
        {
            leftover.close();
            throw e;
        }
    }

    /** Test seam: {@code fault} runs before each segment is created and may throw or block; null removes it. */
    void creationFault(final Uninterrupted.IoRun fault)
    {
        creationFault = fault;
    }

    /** Registers a segment the writer just created; it starts pinned. */
    synchronized void addCreated(final MappedSegment segment)
    {
        if (closed)
        {
            // A writer that rolled while the log closed: its new segment would never be unmapped
            segment.close();
            throw new ShardwalException(ShardwalException.Category.CLOSED, "the log is closed (shard " + shard + ")",
                segment.file(), ShardwalException.NO_OFFSET);
        }
        final Entry entry = new Entry(segment.basePosition(), segment.file());
        entry.mapping = segment;
        entry.pinned = true;
        entries.put(segment.basePosition(), entry);
    }

    /** Maps (if needed) and pins the segment at {@code base} for the writer. */
    synchronized MappedSegment pin(final long base) throws IOException
    {
        final Entry entry = entry(base);
        entry.pinned = true;
        return map(entry);
    }

    /** The writer no longer needs {@code base}; it stays mapped while readers hold it. */
    synchronized void unpin(final long base)
    {
        final Entry entry = entries.get(base);
        if (entry != null)
        {
            entry.pinned = false;
            trim();
        }
    }

    /** The writer's mapping of a pinned segment, or null. */
    synchronized MappedSegment pinned(final long base)
    {
        final Entry entry = entries.get(base);
        return entry != null && entry.pinned ? entry.mapping : null;
    }

    /**
     * Maps the segment starting at {@code base} for a reader, who must {@link #release} it.
     *
     * @return the segment, or null if no such file exists (yet).
     * @throws ShardwalException PRUNED if {@code base} lies below the oldest segment.
     */
    synchronized MappedSegment acquire(final long base) throws IOException
    {
        checkOpen();
        Entry entry = entries.get(base);
        if (entry == null)
        {
            if (!entries.isEmpty() && base < entries.firstKey())
            {
                throw new ShardwalException(ShardwalException.Category.PRUNED, "shard " + shard + " position " + base
                    + " lies in a segment that was pruned; the oldest segment starts at " + entries.firstKey(),
                    fileFor(base), ShardwalException.NO_OFFSET);
            }
            final Path file = fileFor(base);
            if (writable || !Files.exists(file))
            {
                return null;
            }
            entry = new Entry(base, file);
            entries.put(base, entry);
        }
        entry.readers++;
        try
        {
            return map(entry);
        }
        catch (final NoSuchFileException e)
        {
            entry.readers--;
            throw prunedUnderReader(base, e);
        }
        catch (final IOException | RuntimeException e)
        {
            entry.readers--;
            throw e;
        }
    }

    /**
     * A read-only open listed {@code base} but its file is gone: the writer (another process) pruned it. Forgets
     * every listed segment whose file is gone and that no reader maps (a prune deletes from the oldest segment up,
     * so these are the oldest), so that the oldest segment is known again.
     */
    private ShardwalException prunedUnderReader(final long base, final NoSuchFileException cause)
    {
        entries.values().removeIf(stale -> stale.mapping == null && !Files.exists(stale.file));
        return new ShardwalException(ShardwalException.Category.PRUNED, "shard " + shard + " position " + base
            + " lies in a segment that was pruned; the oldest segment starts at "
            + (entries.isEmpty() ? "(none left)" : entries.firstKey()), fileFor(base), ShardwalException.NO_OFFSET,
            cause);
    }

    /**
     * What readers learnt of the committed frames of {@code segment}'s file ({@link CommittedPrefix}), kept while the
     * file is listed; for a pruned segment, a new one that is not kept.
     */
    synchronized CommittedPrefix committedPrefix(final MappedSegment segment)
    {
        final Entry entry = entries.get(segment.basePosition());
        if (entry == null)
        {
            return new CommittedPrefix();
        }
        if (entry.prefix == null)
        {
            entry.prefix = new CommittedPrefix();
        }
        return entry.prefix;
    }

    synchronized void release(final MappedSegment segment)
    {
        final Entry entry = entries.get(segment.basePosition());
        if (entry != null && entry.mapping == segment && entry.readers > 0)
        {
            entry.readers--;
            trim();
            return;
        }
        for (int i = 0; i < orphans.size(); i++)
        {
            final Entry orphan = orphans.get(i);
            if (orphan.mapping == segment && --orphan.readers == 0)
            {
                orphan.mapping.close();
                orphans.remove(i);
                return;
            }
        }
    }

    /**
     * Forgets the segment at {@code base} (pruning); its mapping stays valid for readers that hold it and is
     * closed when the registry closes.
     */
    synchronized Path remove(final long base)
    {
        final Entry entry = entries.remove(base);
        if (entry == null)
        {
            return null;
        }
        forget(entry);
        return entry.file;
    }

    synchronized int mappedCount()
    {
        int mapped = 0;
        for (final Entry entry : entries.values())
        {
            mapped += entry.mapping != null ? 1 : 0;
        }
        return mapped;
    }

    @Override
    public synchronized void close()
    {
        closed = true;
        for (final Entry entry : entries.values())
        {
            if (entry.mapping != null)
            {
                entry.mapping.close();
                entry.mapping = null;
            }
        }
        orphans.forEach(orphan -> orphan.mapping.close());
        orphans.clear();
    }

    private Entry entry(final long base)
    {
        final Entry entry = entries.get(base);
        if (entry == null)
        {
            throw new ShardwalException(ShardwalException.Category.NOT_FOUND, "shard " + shard + " has no segment at "
                + base, fileFor(base), ShardwalException.NO_OFFSET);
        }
        return entry;
    }

    private MappedSegment map(final Entry entry) throws IOException
    {
        checkOpen();
        entry.lastUse = ++useClock;
        if (entry.mapping == null)
        {
            entry.mapping = writable ? MappedSegment.openReadWrite(entry.file) : MappedSegment.openReadOnly(entry.file);
            // The shard too: checksums bind a record to its position, not its shard, so a file copied into another
            // shard's directory would otherwise pass as that shard's.
            if (entry.mapping.basePosition() != entry.base || entry.mapping.capacity() != segmentSize
                || entry.mapping.ownerId() != shard)
            {
                final MappedSegment wrong = entry.mapping;
                entry.mapping = null;
                wrong.close();
                throw new ShardwalException(ShardwalException.Category.CORRUPT, "segment file " + entry.file
                    + " declares base " + wrong.basePosition() + ", capacity " + wrong.capacity() + " and shard "
                    + wrong.ownerId() + " but its name, directory and the manifest say " + entry.base + ", "
                    + segmentSize + " and shard " + shard, entry.file, 0);
            }
            trim();
        }
        return entry.mapping;
    }

    /** Unmaps the least recently used unused mappings beyond the limit. */
    private void trim()
    {
        int unused = 0;
        for (final Entry entry : entries.values())
        {
            unused += entry.mapping != null && !entry.pinned && entry.readers == 0 ? 1 : 0;
        }
        while (unused > maxUnusedMappings)
        {
            Entry oldest = null;
            for (final Entry entry : entries.values())
            {
                if (entry.mapping != null && !entry.pinned && entry.readers == 0
                    && (oldest == null || entry.lastUse < oldest.lastUse))
                {
                    oldest = entry;
                }
            }
            oldest.mapping.close();
            oldest.mapping = null;
            unused--;
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new ShardwalException(ShardwalException.Category.CLOSED, "shard " + shard + " is closed", directory,
                ShardwalException.NO_OFFSET);
        }
    }

    /** Mapped segment bases and their state, for tests and diagnostics. */
    synchronized Map<Long, String> describe()
    {
        final Map<Long, String> out = new TreeMap<>();
        entries.forEach((base, entry) -> out.put(base, (entry.mapping != null ? "mapped" : "unmapped")
            + (entry.pinned ? ",pinned" : "") + (entry.readers > 0 ? ",readers=" + entry.readers : "")));
        return out;
    }
}
