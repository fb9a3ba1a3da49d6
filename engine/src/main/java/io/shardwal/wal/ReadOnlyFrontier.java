package io.shardwal.wal;

import java.io.IOException;

import io.shardwal.metrics.ShardMetrics;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentScanner;
import io.shardwal.mmap.ShardwalException;

/**
 * The committed frontier of a shard seen from a read-only open: a walk over read-only mappings, from where the
 * last walk stopped, counting the records and bytes it passes into the shard's metrics. Walks of one shard are
 * serialised (on its segment registry), so nothing is counted twice. Segments the writer pruned under the walk
 * are stepped over: the frontier is that of the records left.
 */
final class ReadOnlyFrontier
{
    private ReadOnlyFrontier()
    {
    }

    static long committed(final ShardSegments segments, final ShardMetrics metrics)
    {
        synchronized (segments)
        {
            return walk(segments, metrics);
        }
    }

    private static long walk(final ShardSegments segments, final ShardMetrics metrics)
    {
        if (segments.isEmpty())
        {
            return 0;
        }
        final long size = segments.segmentSize();
        final SegmentScanner.Progress progress = new SegmentScanner.Progress();
        long position = Math.max(segments.readOnlyFrontier(), segments.firstBase());
        while (true)
        {
            final long base = position - position % size;
            final MappedSegment segment;
            try
            {
                segment = segments.acquire(base);
            }
            catch (final IOException e)
            {
                throw new ShardwalException(ShardwalException.Category.IO, "cannot map " + segments.fileFor(base)
                    + ": " + e, segments.fileFor(base), ShardwalException.NO_OFFSET, e);
            }
            catch (final ShardwalException e)
            {
                // The writer pruned segments this open had listed: the frontier lies in what is left.
                if (e.category() != ShardwalException.Category.PRUNED || segments.firstBase() <= base)
                {
                    throw e;
                }
                position = segments.firstBase();
                continue;
            }
            if (segment == null)
            {
                break;
            }
            try
            {
                progress.offset = position - base;
                progress.records = 0;
                progress.payloadBytes = 0;
                SegmentScanner.advanceCommitted(segment, progress);
                metrics.addCommitted(progress.records, progress.payloadBytes);
                position = base + progress.offset;
                if (segment.capacity() - progress.offset >= FrameDescriptor.MIN_FRAME_LENGTH)
                {
                    break;
                }
                position = segment.endPosition();
            }
            finally
            {
                segments.release(segment);
            }
        }
        segments.readOnlyFrontier(position);
        return position;
    }
}
