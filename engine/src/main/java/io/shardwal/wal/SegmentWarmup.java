package io.shardwal.wal;

import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.ShardwalException;

/**
 * The preparer's first job for a shard: pretouching the unclaimed rest of the segment that {@code open} left the
 * writers in (a new log's first segment, or the newest segment recovery kept). The preparer readies every later
 * segment before a writer reaches it; without this, the writers would take a page fault on every page of that first
 * segment (a new log's first 64 MiB ran at less than half the speed of its later segments).
 *
 * <p>It pretouches in {@link #CHUNK}-byte steps from wherever the writers have claimed up to, so the preparer
 * stays responsive and never works on pages the writers have passed. Pretouching changes no byte, so it is safe
 * while writers append. It stops when it reaches the end of the segment or the writers roll out of it.
 *
 * <p><b>Threads.</b> {@link #begin} runs before the shard takes appends; {@link #step} on the preparer thread only.
 */
final class SegmentWarmup
{
    /** Bytes pretouched per step: a few milliseconds of work at most. */
    static final long CHUNK = 1L << 20;

    private volatile MappedSegment segment;
    private long next;

    /** Pretouch the rest of {@code started}, from its claimed end on. */
    void begin(final MappedSegment started)
    {
        next = 0;
        segment = started;
    }

    /**
     * Pretouches the next chunk of the segment if the writers are still in it ({@code activeSegment}).
     *
     * @return true if it pretouched something (there may be more), false if there is nothing left to do.
     */
    boolean step(final MappedSegment activeSegment)
    {
        final MappedSegment warming = segment;
        if (warming == null)
        {
            return false;
        }
        if (warming != activeSegment)
        {
            segment = null;
            return false;
        }
        try
        {
            final long from = Math.max(next, warming.claimedLimit());
            final long length = Math.min(CHUNK, warming.capacity() - from);
            if (length <= 0)
            {
                segment = null;
                return false;
            }
            warming.pretouch(from, length);
            next = from + length;
            return true;
        }
        catch (final IllegalStateException e)
        {
            // Its mapping was closed under the preparer (the log is closing): nothing left to warm.
            segment = null;
            return false;
        }
        catch (final ShardwalException e)
        {
            segment = null;
            if (e.category() == ShardwalException.Category.CLOSED)
            {
                return false;
            }
            throw e;
        }
    }
}
