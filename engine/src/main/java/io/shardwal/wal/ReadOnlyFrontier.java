package io.shardwal.wal;

import java.io.IOException;

import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentScanner;
import io.shardwal.mmap.ShardwalException;

/** The committed frontier of a shard seen from a read-only open: a walk over read-only mappings. */
final class ReadOnlyFrontier
{
    private ReadOnlyFrontier()
    {
    }

    static long committed(final ShardSegments segments)
    {
        final long size;
        synchronized (segments)
        {
            if (segments.isEmpty())
            {
                return 0;
            }
            size = segments.segmentSize();
        }
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
            if (segment == null)
            {
                break;
            }
            try
            {
                progress.offset = position - base;
                SegmentScanner.advanceCommitted(segment, progress);
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
