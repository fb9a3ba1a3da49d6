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
 * are stepped over: the frontier is that of the records left. {@link #claimed} reads how far the writer has claimed
 * beyond it (its tail counters), so that stats can show a claim the writer never commits.
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
                segment = acquire(segments, base);
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

    /**
     * The end of what the writer has claimed in the shard, committed or not, seen from a read-only open: from the
     * segment of the committed frontier on, the base plus the tail counter of the newest segment that has claims.
     * A segment whose tail reached its capacity was left by a claim that ran past its end (the writer pads it and
     * rolls), so the walk goes on to the next one; a segment with a zero tail (prepared ahead, or just rolled into)
     * or none at all ends it. Never below {@code committed}. Each call starts where the previous one ended.
     */
    static long claimed(final ShardSegments segments, final long committed)
    {
        synchronized (segments)
        {
            if (segments.isEmpty())
            {
                return committed;
            }
            final long size = segments.segmentSize();
            // Segments below the last claimed end were claimed up to their end: only those from it on can have
            // moved, so a claim the writer never commits costs one walk over the segments written past it in all,
            // not one per call. Claims grow only within one writer, though: that end is checked against the tail.
            final long last = segments.readOnlyClaimed();
            final long known = last > committed && stillClaimed(segments, last) ? last : committed;
            final long from = Math.max(known, segments.firstBase());
            long claimed = known;
            for (long base = from - from % size; ; base += size)
            {
                final MappedSegment segment = acquire(segments, base);
                if (segment == null)
                {
                    break;
                }
                final long tail;
                try
                {
                    tail = segment.tailAcquire();
                }
                finally
                {
                    segments.release(segment);
                }
                if (tail == 0)
                {
                    break;
                }
                claimed = Math.max(claimed, base + Math.min(tail, segment.capacity()));
                if (tail < segment.capacity())
                {
                    break;
                }
            }
            segments.readOnlyClaimed(claimed);
            return claimed;
        }
    }

    /**
     * Whether the writer's tail counters still reach {@code position}, the claimed end a read-only open saw last.
     * They may not: a writer that crashed after claiming bytes it never wrote left its tail past its records, and
     * the next writer's recovery cut that tail back to them (and claims again from there).
     */
    private static boolean stillClaimed(final ShardSegments segments, final long position)
    {
        final long size = segments.segmentSize();
        final long base = (position - 1) - (position - 1) % size;
        final MappedSegment segment = acquire(segments, base);
        if (segment == null)
        {
            return false;
        }
        try
        {
            return base + Math.min(segment.tailAcquire(), segment.capacity()) >= position;
        }
        finally
        {
            segments.release(segment);
        }
    }

    /** The segment at {@code base} for a reader (release it), or null if there is none (yet). */
    private static MappedSegment acquire(final ShardSegments segments, final long base)
    {
        try
        {
            return segments.acquire(base);
        }
        catch (final IOException e)
        {
            throw new ShardwalException(ShardwalException.Category.IO, "cannot map " + segments.fileFor(base)
                + ": " + e, segments.fileFor(base), ShardwalException.NO_OFFSET, e);
        }
    }
}
