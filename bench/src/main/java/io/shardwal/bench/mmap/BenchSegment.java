package io.shardwal.bench.mmap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import io.shardwal.bench.BenchFiles;
import io.shardwal.bench.Workload;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentAppender;
import io.shardwal.mmap.SegmentDescriptor;

/**
 * One segment file for a benchmark, which shots of appends advance through and which is emptied again when the
 * next shot would not fit.
 *
 * <p>{@link #reset()} returns a used segment to the state of a new one — data zero, tail counter zero — while no
 * writer runs (between shots). The mmap module has no public way to do that (recovery's tail store is
 * package-private), so the bench writes the tail field of the documented header layout
 * ({@link SegmentDescriptor#TAIL_OFFSET}) through its own mapping of the header page, which is the same page-cache
 * page the segment's mapping uses.
 */
final class BenchSegment implements AutoCloseable
{
    private static final VarHandle TAIL = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private final Path directory;
    private final MappedSegment segment;
    private final SegmentAppender appender;
    private final Arena headerArena;
    private final MemorySegment header;
    private final long frameLength;
    private long expectedTail;

    private BenchSegment(final Path directory, final MappedSegment segment, final Arena headerArena,
        final MemorySegment header, final long frameLength)
    {
        this.directory = directory;
        this.segment = segment;
        this.appender = new SegmentAppender(segment);
        this.headerArena = headerArena;
        this.header = header;
        this.frameLength = frameLength;
    }

    /**
     * A new segment for {@code writers} threads appending shots of {@code records} values each, of
     * {@code valueLength} bytes with an empty key.
     *
     * @param warm whether to make it at least {@link Workload#WARM_REGION_BYTES} and pretouch every page (a warm
     *             segment), or to size it for exactly one shot and leave its pages untouched (a cold one).
     */
    static BenchSegment create(final int valueLength, final int writers, final long records, final boolean warm)
    {
        final long frameLength = FrameDescriptor.align(SegmentAppender.checkedLength(0, valueLength));
        final long shot = Workload.alignUp(writers * records * frameLength, SegmentDescriptor.MIN_CAPACITY);
        final long warmCapacity = Math.min(SegmentDescriptor.MAX_CAPACITY, Math.max(shot, Workload.WARM_REGION_BYTES));
        final long capacity = warm ? warmCapacity : shot;
        final Path directory = BenchFiles.newDirectory("segment-");
        final Path file = directory.resolve("00000000000000000000.wal");
        final Arena headerArena = Arena.ofShared();
        MappedSegment segment = null;
        try
        {
            segment = MappedSegment.create(file, 0, capacity, 0);
            if (warm)
            {
                segment.pretouch(0, capacity);
            }
            final MemorySegment header;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                header = channel.map(FileChannel.MapMode.READ_WRITE, 0, SegmentDescriptor.DATA_OFFSET, headerArena);
            }
            return new BenchSegment(directory, segment, headerArena, header, frameLength);
        }
        catch (final IOException e)
        {
            closeAll(headerArena, segment, directory);
            throw new UncheckedIOException("cannot create segment " + file, e);
        }
        catch (final RuntimeException e)
        {
            closeAll(headerArena, segment, directory);
            throw e;
        }
    }

    SegmentAppender appender()
    {
        return appender;
    }

    /**
     * Before a shot of {@code records} frames (all writers together): empties the segment if they would not fit
     * behind the frames already there. Only while no writer runs.
     */
    void beginShot(final long records)
    {
        final long bytes = records * frameLength;
        if (bytes > segment.capacity())
        {
            throw new IllegalStateException("a shot of " + records + " frames of " + frameLength
                + " bytes does not fit segment " + segment);
        }
        if (segment.capacity() - segment.tailAcquire() < bytes)
        {
            reset();
        }
        expectedTail = segment.tailAcquire() + bytes;
    }

    /** After a shot: fails unless exactly the announced frames were appended (no SEGMENT_FULL, no loss). */
    void endShot()
    {
        final long tail = segment.tailAcquire();
        if (tail != expectedTail)
        {
            throw new IllegalStateException("expected the tail at " + expectedTail + " after the shot, but it is at "
                + tail + " of " + segment.capacity());
        }
    }

    /** Zeroes the written bytes and the tail counter: the segment is as new, its pages still resident. */
    private void reset()
    {
        segment.data().asSlice(0, segment.claimedLimit()).fill((byte)0);
        // Volatile store; the next shot's writers start after JMH's iteration barrier.
        TAIL.setVolatile(header, (long)SegmentDescriptor.TAIL_OFFSET, 0L);
    }

    @Override
    public void close()
    {
        closeAll(headerArena, segment, directory);
    }

    private static void closeAll(final Arena headerArena, final MappedSegment segment, final Path directory)
    {
        try
        {
            headerArena.close();
            if (segment != null)
            {
                segment.close();
            }
        }
        finally
        {
            BenchFiles.deleteRecursively(directory);
        }
    }
}
