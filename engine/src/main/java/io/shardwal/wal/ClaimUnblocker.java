package io.shardwal.wal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.shardwal.metrics.ShardMetrics;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentAppender;
import io.shardwal.mmap.ShardwalException;

/**
 * Pads over claims that hold a shard's committed frontier for longer than {@link WalOptions#claimTimeout()}, with
 * {@link SegmentAppender#unblock}: a claim is padded over only once it has stopped the frontier for the whole timeout,
 * so a writer that is merely slow commits as usual. Each padding is counted and logged; the owner's commit then fails
 * with TIMEOUT ({@link #inShard}).
 *
 * <p>Each check advances the committed frontier of every shard, the walk a sync, stats or checkpoint call would
 * otherwise do next (it is incremental: what one walk passed, the next does not read again).
 *
 * <p><b>Threads.</b> {@link #check} is called by the writer's preparer thread only.
 */
final class ClaimUnblocker
{
    private static final System.Logger LOG = System.getLogger("io.shardwal");
    private static final long MAX_CHECK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Shard[] shards;
    private final ShardMetrics[] metrics;
    private final String name;
    private final Duration timeout;
    private final long timeoutNanos;
    private final long intervalNanos;
    /** Per shard: the committed frontier while claims lie beyond it, or -1; since when it holds there. */
    private final long[] heldAt;
    private final long[] heldSince;
    /** Per shard: whether the claim at {@link #heldAt} was reported as one that cannot be padded over. */
    private final boolean[] reportedUnmarked;
    private long nextCheck;

    ClaimUnblocker(final Shard[] shards, final ShardMetrics[] metrics, final String name, final Duration timeout)
    {
        this.shards = shards;
        this.metrics = metrics;
        this.name = name;
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        this.intervalNanos = Math.min(timeoutNanos / 4, MAX_CHECK_INTERVAL_NANOS);
        this.heldAt = new long[shards.length];
        this.heldSince = new long[shards.length];
        this.reportedUnmarked = new boolean[shards.length];
        java.util.Arrays.fill(heldAt, -1);
        this.nextCheck = System.nanoTime();
    }

    /**
     * Checks every shard if a check interval has passed since the last check.
     *
     * @return nanoseconds until the next check is due.
     */
    long check(final long now)
    {
        if (now - nextCheck < 0)
        {
            return nextCheck - now;
        }
        nextCheck = now + intervalNanos;
        for (int i = 0; i < shards.length; i++)
        {
            if (!shards[i].isFailed())
            {
                checkShard(i, now);
            }
        }
        return intervalNanos;
    }

    private void checkShard(final int index, final long now)
    {
        final Shard shard = shards[index];
        final long frontier = shard.advanceCommitted();
        if (shard.claimedPosition() <= frontier)
        {
            heldAt[index] = -1;
            return;
        }
        if (frontier != heldAt[index])
        {
            heldAt[index] = frontier;
            heldSince[index] = now;
            reportedUnmarked[index] = false;
            return;
        }
        if (now - heldSince[index] < timeoutNanos)
        {
            return;
        }
        final long base = frontier - frontier % shard.segmentSize();
        final MappedSegment segment = shard.segments().pinned(base);
        if (segment == null)
        {
            return;
        }
        final long padded = SegmentAppender.unblock(segment, frontier - base);
        if (padded > 0)
        {
            heldAt[index] = -1;
            LOG.log(System.Logger.Level.WARNING, "shardwal: " + name + " shard " + index + ": padded over the claim "
                + "at position " + frontier + " (" + padded + " bytes, " + segment.file().getFileName() + "): it held "
                + "the committed frontier for longer than claimTimeout " + timeout + "; its writer's commit fails "
                + "with TIMEOUT and the record is not written");
            metrics[index].recordUnblockedClaim(); // after the line: who sees the count finds the line logged
        }
        else if (shard.advanceCommitted() == frontier && !reportedUnmarked[index])
        {
            // Claimed, but its writer stopped before it stored the frame's length: the claim's extent is unknown.
            reportedUnmarked[index] = true;
            LOG.log(System.Logger.Level.WARNING, "shardwal: " + name + " shard " + index + ": the claim at position "
                + frontier + " (" + segment.file().getFileName() + ") has held the committed frontier for longer than "
                + "claimTimeout " + timeout + " without its frame length, so it cannot be padded over; the next "
                + "open sets it aside");
        }
    }

    /**
     * The failure of an append or commit on shard {@code shard}: a TIMEOUT of {@link SegmentAppender} (the claim was
     * padded over) restated with the shard; any other failure as it is.
     */
    static ShardwalException inShard(final int shard, final ShardwalException e)
    {
        if (e.category() != ShardwalException.Category.TIMEOUT)
        {
            return e;
        }
        return new ShardwalException(ShardwalException.Category.TIMEOUT, "shard " + shard + ": " + e.reason()
            + " (the log's claimTimeout ran out)", e.file(), e.offset(), e);
    }
}
