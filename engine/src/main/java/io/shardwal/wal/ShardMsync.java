package io.shardwal.wal;

import java.io.IOException;

import io.shardwal.metrics.ShardMetrics;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentDescriptor;

/**
 * The msyncs of one shard's writer, each counted in the shard's metrics: a group commit's range of data, and a
 * segment's header page (its tail counter) when the writer lets go of the segment and at close. A successful one
 * adds to {@code msyncs}, {@code msyncBytes} (the range's bytes; a header page's {@link SegmentDescriptor#DATA_OFFSET})
 * and the msync latency; a failed one adds to {@code msyncFailures}, and the caller fails the shard with it.
 *
 * <p><b>Threads.</b> Called by the group-commit leader (actions never overlap) and, for header pages, by the
 * closing thread, which may overlap an action of a writer still appending; the metrics take records from any
 * thread. {@link #fault} may be set by any thread.
 */
final class ShardMsync
{
    /** Test seam: stands in for a failing device. Runs before each msync and may throw. */
    @FunctionalInterface
    interface Fault
    {
        /** Before the msync of the shard's data in {@code [from, to)}. */
        void beforeMsync(long from, long to) throws IOException;

        /** Before the msync of the header page of the segment at {@code base}; by default, nothing. */
        default void beforeHeaderMsync(final long base) throws IOException
        {
        }
    }

    private final int shard;
    private final ShardSegments segments;
    private final long segmentSize;
    private final ShardMetrics metrics;
    /** Null in production. */
    private volatile Fault fault;

    ShardMsync(final int shard, final ShardSegments segments, final long segmentSize, final ShardMetrics metrics)
    {
        this.shard = shard;
        this.segments = segments;
        this.segmentSize = segmentSize;
        this.metrics = metrics;
    }

    void fault(final Fault injected)
    {
        fault = injected;
    }

    /**
     * Msyncs the shard's bytes in {@code [from, to)}, segment by segment; counted as one msync. Before each
     * segment's msync, the pages below {@code committed} (no writer stores there any more) are unmapped from this
     * process ({@link MappedSegment#releasePages}), so that their write-back does not interrupt the writers.
     */
    void range(final long from, final long to, final long committed) throws IOException
    {
        final long start = System.nanoTime();
        try
        {
            final Fault injected = fault;
            if (injected != null)
            {
                injected.beforeMsync(from, to);
            }
            for (long base = from - from % segmentSize; base < to; base += segmentSize)
            {
                final MappedSegment segment = segments.pinned(base);
                if (segment == null)
                {
                    throw new IllegalStateException("shard " + shard + " has no mapped segment at " + base
                        + " to msync [" + from + ", " + to + ")");
                }
                final long offset = Math.max(from, base) - base;
                final long end = Math.min(to, segment.endPosition()) - base;
                final long released = Math.min(committed, segment.endPosition()) - base;
                if (released > offset)
                {
                    segment.releasePages(offset, released - offset);
                }
                segment.msync(offset, end - offset);
            }
        }
        catch (final IOException | RuntimeException e)
        {
            metrics.recordMsyncFailure();
            throw e;
        }
        metrics.recordMsync(System.nanoTime() - start, to - from);
    }

    /** Msyncs the header page (tail counter) of {@code segment}. */
    void header(final MappedSegment segment) throws IOException
    {
        final long start = System.nanoTime();
        try
        {
            final Fault injected = fault;
            if (injected != null)
            {
                injected.beforeHeaderMsync(segment.basePosition());
            }
            segment.msyncHeader();
        }
        catch (final IOException | RuntimeException e)
        {
            metrics.recordMsyncFailure();
            throw e;
        }
        metrics.recordMsync(System.nanoTime() - start, SegmentDescriptor.DATA_OFFSET);
    }
}
