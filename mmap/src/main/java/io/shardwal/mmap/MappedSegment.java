package io.shardwal.mmap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One segment file, mapped whole into memory through an {@link Arena} that this object owns.
 *
 * <p>Files are created complete or not at all: the file is built under a temporary name, preallocated with
 * {@code posix_fallocate} (so a full disk is an {@link IOException} here, never a SIGBUS in a later mapped write),
 * given its header, forced, then renamed into place and the directory synced. Existing files are validated —
 * size, magic, version, header checksum — from a plain read <em>before</em> they are mapped, so a truncated or
 * foreign file is a {@link ShardwalException}, never a fault.
 *
 * <p><b>Threads.</b> Any thread may use a segment. {@link #close()} may race with other threads' accesses: it
 * unmaps through the shared arena's handshake, and an access that loses the race fails with
 * {@link ShardwalException.Category#CLOSED} (translated by the appender and the reader), never with a crash.
 *
 * <p><b>Assumptions and guarantees.</b>
 * <ul>
 *   <li>Bytes of a new segment are zero; nothing in shardwal writes ahead of the tail counter except with
 *       CAS(0, 0) (pretouching), so "zero" reliably means "never claimed".</li>
 *   <li>{@link #msync} returns only after the kernel reported the range written to the device (MS_SYNC), or after
 *       {@code FileChannel.force} when natives are unavailable.</li>
 *   <li>Closing never msyncs implicitly: durability is the caller's explicit decision.</li>
 * </ul>
 */
public final class MappedSegment implements AutoCloseable
{
    /** Suffix of a segment file that is still being created; a leftover one is an interrupted creation. */
    public static final String CREATING_SUFFIX = ".creating";

    private static final long CLOSE_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

    private final Path file;
    private final FileChannel channel;
    private final Arena arena;
    private final MemorySegment mapping;
    private final MemorySegment data;
    private final long basePosition;
    private final long capacity;
    private final int ownerId;
    private final boolean readOnly;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MappedSegment(final Path file, final FileChannel channel, final boolean readOnly, final ByteBuffer header)
        throws IOException
    {
        this.file = file;
        this.channel = channel;
        this.readOnly = readOnly;
        this.basePosition = header.getLong(SegmentDescriptor.BASE_POSITION_OFFSET);
        this.capacity = header.getLong(SegmentDescriptor.CAPACITY_OFFSET);
        this.ownerId = header.getInt(SegmentDescriptor.OWNER_ID_OFFSET);
        final Arena mappingArena = Arena.ofShared();
        try
        {
            this.mapping = channel.map(readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE,
                0, SegmentDescriptor.DATA_OFFSET + capacity, mappingArena);
        }
        catch (final IOException | RuntimeException e)
        {
            mappingArena.close();
            throw e;
        }
        this.arena = mappingArena;
        this.data = mapping.asSlice(SegmentDescriptor.DATA_OFFSET, capacity);
    }

    /**
     * Creates, preallocates and maps a new segment file. Fails if {@code file} exists.
     *
     * @throws IOException if the file exists, or the file system refuses (e.g. no space left), with the cause.
     */
    public static MappedSegment create(final Path file, final long basePosition, final long capacity,
        final int ownerId) throws IOException
    {
        return create(file, basePosition, capacity, ownerId, System.currentTimeMillis());
    }

    /**
     * {@link #create(Path, long, long, int)}, then zeros written over the data area through the page cache, for a
     * segment that writers are about to fill. Zeros written with write(2) land in large folios: pretouching them, the
     * writers' stores and the write-back of their msyncs then cost a fraction of what 4 KiB pages faulted into the
     * preallocated blocks one by one cost (bench/RESULTS.md, run AR). It costs ~1 µs of CPU per 4 KiB page and leaves
     * the whole data area dirty in the page cache, which a segment that may stay empty (a log's first segments)
     * should not pay.
     */
    public static MappedSegment createFilled(final Path file, final long basePosition, final long capacity,
        final int ownerId) throws IOException
    {
        final long createdMillis = System.currentTimeMillis();
        return Uninterrupted.call(() -> build(file, basePosition, capacity, ownerId, createdMillis, true));
    }

    /**
     * {@link #create(Path, long, long, int)} with a given creation time (golden files need a fixed one). The
     * caller's interrupt is set aside while the file is built and restored after ({@link Uninterrupted}): the
     * FileChannel writes and forces would otherwise close the channel and fail the creation (an interrupted writer's
     * roll reading as a disk error).
     */
    static MappedSegment create(final Path file, final long basePosition, final long capacity, final int ownerId,
        final long createdMillis) throws IOException
    {
        return Uninterrupted.call(() -> build(file, basePosition, capacity, ownerId, createdMillis, false));
    }

    private static MappedSegment build(final Path file, final long basePosition, final long capacity,
        final int ownerId, final long createdMillis, final boolean fill) throws IOException
    {
        SegmentDescriptor.checkGeometry(basePosition, capacity);
        if (Files.exists(file))
        {
            throw new IOException("cannot create segment " + file + ": the file already exists");
        }
        final Path temporary = file.resolveSibling(file.getFileName() + CREATING_SUFFIX);
        final long fileSize = SegmentDescriptor.DATA_OFFSET + capacity;
        try
        {
            try (FileChannel creating = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                final boolean allocated = Natives.fallocate(temporary, fileSize);
                if (!allocated)
                {
                    SegmentFiles.zeroFill(creating, 0, fileSize, temporary);
                }
                final ByteBuffer header = ByteBuffer.allocate(SegmentDescriptor.DATA_OFFSET);
                SegmentDescriptor.writeHeader(header, basePosition, capacity, ownerId, createdMillis);
                SegmentFiles.writeFully(creating, header, 0);
                creating.force(true);
                if (fill && allocated)
                {
                    // For the page cache only (createFilled), so not forced: the reserved blocks read as zeros
                    // whatever happens. Without preallocation the zeros are written and forced above already.
                    SegmentFiles.zeroFill(creating, SegmentDescriptor.DATA_OFFSET, fileSize, temporary);
                }
            }
            SegmentFiles.moveAtomically(temporary, file);
            syncDirectory(file.toAbsolutePath().getParent());
        }
        catch (final IOException | RuntimeException e)
        {
            Files.deleteIfExists(temporary);
            throw e;
        }
        return open(file, false);
    }

    /** Maps an existing segment for reading and writing, after validating it. */
    public static MappedSegment openReadWrite(final Path file) throws IOException
    {
        return open(file, false);
    }

    /**
     * Maps an existing segment read-only, after validating it. Works while another process writes the file:
     * committed frames become visible through the shared page cache.
     */
    public static MappedSegment openReadOnly(final Path file) throws IOException
    {
        return open(file, true);
    }

    /**
     * Validates and maps {@code file} with the caller's interrupt set aside ({@link Uninterrupted}), restored after:
     * the header read and {@code FileChannel.map} would otherwise fail with {@code ClosedByInterruptException}. Every
     * lazy mapping of a read (tailers, bounded reads, read-only opens, the tools) goes through here, and a reader
     * whose thread was asked to stop may still be draining what it has: mapping is no interruption point.
     */
    private static MappedSegment open(final Path file, final boolean readOnly) throws IOException
    {
        return Uninterrupted.call(() -> openNow(file, readOnly));
    }

    private static MappedSegment openNow(final Path file, final boolean readOnly) throws IOException
    {
        final FileChannel channel = readOnly
            ? FileChannel.open(file, StandardOpenOption.READ)
            : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try
        {
            final long size = channel.size();
            final ByteBuffer header = ByteBuffer.allocate(SegmentDescriptor.DATA_OFFSET);
            SegmentFiles.readFully(channel, header);
            header.flip();
            SegmentDescriptor.checkHeader(header, file, size);
            return new MappedSegment(file, channel, readOnly, header);
        }
        catch (final IOException | RuntimeException e)
        {
            channel.close();
            throw e;
        }
    }

    /**
     * Reads the header of a segment file without mapping it: base position and capacity, validated. The caller's
     * interrupt is set aside meanwhile, as for {@link #openReadOnly}.
     */
    public static long[] readGeometry(final Path file) throws IOException
    {
        final ByteBuffer header = readHeader(file);
        return new long[] {header.getLong(SegmentDescriptor.BASE_POSITION_OFFSET),
            header.getLong(SegmentDescriptor.CAPACITY_OFFSET)};
    }

    /**
     * Reads the rolled-into mark of a segment file's validated header without mapping it (see
     * {@link #rolledIntoAcquire()}). The caller's interrupt is set aside meanwhile, as for {@link #openReadOnly}.
     */
    public static long readRolledInto(final Path file) throws IOException
    {
        return readHeader(file).getLong(SegmentDescriptor.ROLLED_INTO_OFFSET);
    }

    private static ByteBuffer readHeader(final Path file) throws IOException
    {
        return Uninterrupted.call(() ->
        {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
            {
                final ByteBuffer header = ByteBuffer.allocate(SegmentDescriptor.DATA_OFFSET);
                SegmentFiles.readFully(channel, header);
                header.flip();
                SegmentDescriptor.checkHeader(header, file, channel.size());
                return header;
            }
        });
    }

    public Path file()
    {
        return file;
    }

    /** Shard position of the first data byte. */
    public long basePosition()
    {
        return basePosition;
    }

    /** Number of data bytes. */
    public long capacity()
    {
        return capacity;
    }

    /** Shard position one past the last data byte: the next segment's base position. */
    public long endPosition()
    {
        return basePosition + capacity;
    }

    /** The owner id stored in the header (shardwal stores the shard number). */
    public int ownerId()
    {
        return ownerId;
    }

    public boolean isReadOnly()
    {
        return readOnly;
    }

    public boolean isClosed()
    {
        return closed.get();
    }

    /**
     * The data region, {@code capacity} bytes long; offset 0 is {@link #basePosition()}. Raw access for readers,
     * tools and tests; writers must go through {@link SegmentAppender}.
     */
    public MemorySegment data()
    {
        return data;
    }

    /** The claim counter: bytes claimed so far, possibly past the capacity. Acquire load. */
    public long tailAcquire()
    {
        // Pairs with the getAndAdd of claiming writers.
        return (long)SegmentDescriptor.TAIL.getAcquire(mapping, (long)SegmentDescriptor.TAIL_OFFSET);
    }

    /** Bytes claimed so far, clamped to the capacity. */
    public long claimedLimit()
    {
        return Math.min(tailAcquire(), capacity);
    }

    /**
     * Marks this segment as rolled into the next one, whose base is {@link #endPosition()}. Call only once that
     * segment's file is durable (forced, renamed into place, its directory synced): a newest segment carrying the mark
     * then proves its successor lost. One release store to the header page, made durable by the next
     * {@link #msyncHeader()}; setting it again changes nothing.
     */
    public void markRolled()
    {
        if (readOnly)
        {
            throw new IllegalStateException("rolled-into mark on read-only segment " + file);
        }
        try
        {
            // Release store; pairs with the acquire load of rolledIntoAcquire and with plain header reads by others.
            SegmentDescriptor.ROLLED_INTO.setRelease(mapping, (long)SegmentDescriptor.ROLLED_INTO_OFFSET,
                endPosition());
        }
        catch (final IllegalStateException e)
        {
            throw closedOr(e);
        }
        catch (final InternalError e)
        {
            throw truncated(e);
        }
    }

    /**
     * The rolled-into mark as stored: 0 while the writer never moved on from this segment, {@link #endPosition()} once
     * it did; any other value is damage. Acquire load.
     */
    public long rolledIntoAcquire()
    {
        // Pairs with the release store of markRolled.
        return (long)SegmentDescriptor.ROLLED_INTO.getAcquire(mapping, (long)SegmentDescriptor.ROLLED_INTO_OFFSET);
    }

    /** Reserves {@code alignedLength} bytes; returns the offset of the first one (may be at or past capacity). */
    long getAndAddTail(final long alignedLength)
    {
        // Atomic read-modify-write; the returned range is this caller's alone.
        return (long)SegmentDescriptor.TAIL.getAndAdd(mapping, (long)SegmentDescriptor.TAIL_OFFSET, alignedLength);
    }

    /** Recovery only: sets the claim counter after the data below it has been validated and above it zeroed. */
    void setTailVolatile(final long tail)
    {
        // Volatile store; no writer runs during recovery, readers acquire-load the frames, not the tail.
        SegmentDescriptor.TAIL.setVolatile(mapping, (long)SegmentDescriptor.TAIL_OFFSET, tail);
    }

    /**
     * Forces the data pages covering {@code [offset, offset + length)} to the device (MS_SYNC), or, when natives
     * are unavailable, the whole file with {@code FileChannel.force}.
     */
    public void msync(final long offset, final long length) throws IOException
    {
        checkRange(offset, length);
        if (length != 0)
        {
            msyncMapping(SegmentDescriptor.DATA_OFFSET + offset, length);
        }
    }

    /** Forces the header page (and with it the tail counter) to the device. */
    public void msyncHeader() throws IOException
    {
        msyncMapping(0, SegmentDescriptor.DATA_OFFSET);
    }

    private void msyncMapping(final long offset, final long length) throws IOException
    {
        if (readOnly)
        {
            throw new IllegalStateException("msync of read-only segment " + file);
        }
        try
        {
            if (Natives.AVAILABLE)
            {
                Natives.msync(mapping, offset, length, true, file);
            }
            else
            {
                channel.force(false);
            }
        }
        catch (final IllegalStateException e)
        {
            throw closedOr(e);
        }
        catch (final InternalError e)
        {
            throw truncated(e);
        }
    }

    /**
     * Faults the data pages of {@code [offset, offset + length)} in, writable, so that writers do not take page
     * faults. Safe while writers run: it uses {@code madvise(MADV_POPULATE_WRITE)}, which changes no byte, or
     * falls back to CAS(0, 0) on each page, which never overwrites a written byte.
     */
    public void pretouch(final long offset, final long length)
    {
        checkRange(offset, length);
        if (readOnly || length == 0)
        {
            return;
        }
        try
        {
            if (Natives.madvise(mapping, SegmentDescriptor.DATA_OFFSET + offset, length, Natives.MADV_POPULATE_WRITE))
            {
                return;
            }
            final long end = offset + length;
            for (long page = Natives.pageAlignUp(offset); page < end; page += Natives.PAGE_SIZE)
            {
                // CAS(0, 0): faults the page in for writing without ever replacing a value a writer stored.
                SegmentDescriptor.TAIL.compareAndSet(data, page, 0L, 0L);
            }
        }
        catch (final IllegalStateException e)
        {
            throw closedOr(e);
        }
        catch (final InternalError e)
        {
            throw truncated(e);
        }
    }

    /**
     * Unmaps the data pages wholly inside {@code [offset, offset + length)} from this process; their bytes stay in the
     * page cache and in the file, dirty or not, and a later access maps them again. For committed bytes no writer
     * stores to any more, before msyncing them: the write-back of a page that no process maps writable needs no TLB
     * shootdown on the CPUs running this process's writers (one interrupt per 4 KiB page written back otherwise).
     * Does nothing on a read-only mapping or without natives.
     */
    public void releasePages(final long offset, final long length)
    {
        checkRange(offset, length);
        final long start = Natives.pageAlignUp(SegmentDescriptor.DATA_OFFSET + offset);
        final long end = Natives.pageAlignDown(SegmentDescriptor.DATA_OFFSET + offset + length);
        if (readOnly || end <= start)
        {
            return;
        }
        try
        {
            Natives.madvise(mapping, start, end - start, Natives.MADV_DONTNEED);
        }
        catch (final IllegalStateException e)
        {
            throw closedOr(e);
        }
    }

    /** Hints that {@code [offset, offset + length)} will be read soon (readers, replay). */
    public void adviseWillNeed(final long offset, final long length)
    {
        checkRange(offset, length);
        Natives.madvise(mapping, SegmentDescriptor.DATA_OFFSET + offset, length, Natives.MADV_WILLNEED);
    }

    /** Closes the mapping and the file. Idempotent; never msyncs. */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        try
        {
            closeArena();
        }
        finally
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignored)
            {
                // nothing was written through the channel after creation; the mapping is already gone
            }
        }
    }

    /**
     * Unmaps. A native call that was given this mapping (an msync or madvise on another thread) holds the arena
     * until it returns; closing meanwhile is refused, so it is retried for a while before giving up with an error
     * that says so.
     */
    private void closeArena()
    {
        final long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
        while (true)
        {
            try
            {
                arena.close();
                return;
            }
            catch (final IllegalStateException e)
            {
                if (!arena.scope().isAlive())
                {
                    return;
                }
                if (System.nanoTime() > deadline)
                {
                    throw new ShardwalException(ShardwalException.Category.TIMEOUT, "could not unmap the segment: "
                        + "a native call (msync or madvise) still holds it after "
                        + java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(CLOSE_WAIT_NANOS) + " s", file,
                        ShardwalException.NO_OFFSET, e);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
        }
    }

    @Override
    public String toString()
    {
        return "MappedSegment{" + file + ", base=" + basePosition + ", capacity=" + capacity
            + (readOnly ? ", read-only" : "") + (closed.get() ? ", closed" : "") + '}';
    }

    /** Translates an FFM "already closed" failure into the documented CLOSED error; rethrows anything else. */
    RuntimeException closedOr(final IllegalStateException e)
    {
        if (closed.get() || !arena.scope().isAlive())
        {
            return new ShardwalException(ShardwalException.Category.CLOSED, "segment is closed", file,
                ShardwalException.NO_OFFSET, e);
        }
        return e;
    }

    /**
     * Translates the JVM's {@link InternalError} for a fault inside a mapped access — the file was cut shorter than
     * its mapping by something other than shardwal — into a FORMAT error naming the file and its size now.
     */
    ShardwalException truncated(final InternalError e)
    {
        long size;
        try
        {
            size = java.nio.file.Files.size(file);
        }
        catch (final IOException | RuntimeException unknown)
        {
            size = -1;
        }
        return new ShardwalException(ShardwalException.Category.FORMAT, "segment file is now " + size + " bytes, "
            + "shorter than its " + (SegmentDescriptor.DATA_OFFSET + capacity) + "-byte mapping: it was truncated "
            + "while mapped, by something other than shardwal", file, SegmentDescriptor.DATA_OFFSET + capacity, e);
    }

    ShardwalException closedError()
    {
        return new ShardwalException(ShardwalException.Category.CLOSED, "segment is closed", file,
            ShardwalException.NO_OFFSET);
    }

    private void checkRange(final long offset, final long length)
    {
        if (offset < 0 || length < 0 || offset > capacity - length)
        {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + offset + " + " + length
                + ") is outside the " + capacity + " data bytes of " + file);
        }
    }

    /**
     * fsync of a directory, so that a rename or delete in it survives a crash. The caller's interrupt is set aside
     * ({@link Uninterrupted}): the renames and deletes are done by then, and an interrupted thread's force would
     * report them as failed.
     */
    public static void syncDirectory(final Path directory) throws IOException
    {
        Uninterrupted.run(() ->
        {
            try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ))
            {
                channel.force(true);
            }
        });
    }

}
