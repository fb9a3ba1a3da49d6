package io.shardwal.bench.wal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import io.shardwal.bench.BenchFiles;
import io.shardwal.bench.Workload;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentAppender;
import io.shardwal.mmap.SegmentDescriptor;

/**
 * Segment files for one shot of a baseline that writes shardwal's frame format without the log: created
 * (preallocated), pretouched before the shot, so the baseline takes no page fault and never meets a segment end,
 * and deleted after it. That is the most favourable setting for the baseline: the log it is compared with pays its
 * rolls and its preparer.
 */
final class ShotSegments implements AutoCloseable
{
    private final Path directory;
    private final MappedSegment[] segments;
    private final SegmentAppender[] appenders;

    private ShotSegments(final Path directory, final MappedSegment[] segments)
    {
        this.directory = directory;
        this.segments = segments;
        this.appenders = new SegmentAppender[segments.length];
        for (int i = 0; i < segments.length; i++)
        {
            appenders[i] = new SegmentAppender(segments[i]);
        }
    }

    /** {@code count} new, pretouched segments of at least {@code capacity} data bytes each. */
    static ShotSegments create(final String prefix, final int count, final long capacity)
    {
        final long size = Workload.alignUp(Math.max(capacity, SegmentDescriptor.MIN_CAPACITY),
            SegmentDescriptor.MIN_CAPACITY);
        final Path directory = BenchFiles.newDirectory(prefix);
        final MappedSegment[] segments = new MappedSegment[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                segments[i] = MappedSegment.create(directory.resolve(String.format("%020d.wal", i)), 0, size, i);
                segments[i].pretouch(0, size);
            }
            return new ShotSegments(directory, segments);
        }
        catch (final IOException e)
        {
            closeAll(segments, directory);
            throw new UncheckedIOException("cannot create the baseline's segments in " + directory, e);
        }
        catch (final RuntimeException e)
        {
            closeAll(segments, directory);
            throw e;
        }
    }

    SegmentAppender appender(final int index)
    {
        return appenders[index];
    }

    MappedSegment segment(final int index)
    {
        return segments[index];
    }

    /** Bytes claimed in all segments together. */
    long claimedBytes()
    {
        long claimed = 0;
        for (final MappedSegment segment : segments)
        {
            claimed += segment.tailAcquire();
        }
        return claimed;
    }

    /**
     * Closes the segments after checking that they hold exactly {@code expectedBytes} of frames: every append of the
     * shot landed, none twice.
     */
    void closeExpecting(final long expectedBytes)
    {
        try
        {
            final long claimed = claimedBytes();
            if (claimed != expectedBytes)
            {
                throw new IllegalStateException("expected " + expectedBytes + " bytes of frames after the shot, "
                    + "found " + claimed);
            }
        }
        finally
        {
            close();
        }
    }

    @Override
    public void close()
    {
        closeAll(segments, directory);
    }

    private static void closeAll(final MappedSegment[] segments, final Path directory)
    {
        try
        {
            for (final MappedSegment segment : segments)
            {
                if (segment != null)
                {
                    segment.close();
                }
            }
        }
        finally
        {
            BenchFiles.deleteRecursively(directory);
        }
    }
}
