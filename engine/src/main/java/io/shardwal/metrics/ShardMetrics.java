package io.shardwal.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;

/**
 * The live metrics of one shard. Writers record into {@link LatencySeries} (HdrHistogram recorders, wait-free)
 * and {@link LongAdder}s; records and payload bytes are not counted on the append path at all — the committed-frontier
 * walk counts them as it passes. {@link #snapshot} moves the interval histograms into cumulative ones.
 *
 * <p><b>Threads.</b> Recording methods may be called by any thread; {@link #snapshot} is serialised internally.
 */
public final class ShardMetrics
{
    /** Latencies are recorded in nanoseconds up to this value (longer ones are clamped, and counted as max). */
    static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.MINUTES.toNanos(1);
    static final int SIGNIFICANT_DIGITS = 2;

    private final int shard;
    private final LatencyRecording recording;
    private final LatencySeries appendLatency = new LatencySeries();
    private final LatencySeries msyncLatency = new LatencySeries();
    private final LatencySeries rollWaitLatency = new LatencySeries();
    private final LongAdder rolls = new LongAdder();
    private final LongAdder inlinePrepares = new LongAdder();
    private final LongAdder msyncs = new LongAdder();
    private final LongAdder msyncBytes = new LongAdder();
    private final LongAdder msyncFailures = new LongAdder();
    private final LongAdder prepareFailures = new LongAdder();
    private final LongAdder unblockedClaims = new LongAdder();
    private volatile long records;
    private volatile long payloadBytes;
    private volatile long recoveryRepairs;

    public ShardMetrics(final int shard, final LatencyRecording recording)
    {
        this.shard = shard;
        this.recording = recording;
    }

    public int shard()
    {
        return shard;
    }

    public LatencyRecording recording()
    {
        return recording;
    }

    /** With {@link LatencyRecording#SAMPLED}: each thread times one append in this many. */
    public static final int SAMPLE_INTERVAL = 64;

    /** How many appends of a thread go by per timed one: 1 (FULL), {@link #SAMPLE_INTERVAL}, or 0 (never). */
    public int appendTimingInterval()
    {
        return switch (recording)
        {
            case FULL -> 1;
            case SAMPLED -> SAMPLE_INTERVAL;
            default -> 0;
        };
    }

    public void recordAppend(final long nanos)
    {
        appendLatency.record(nanos);
    }

    public void recordMsync(final long nanos, final long bytes)
    {
        msyncs.increment();
        msyncBytes.add(bytes);
        if (recording != LatencyRecording.OFF)
        {
            msyncLatency.record(nanos);
        }
    }

    public void recordMsyncFailure()
    {
        msyncFailures.increment();
    }

    public void recordRoll(final boolean inlinePrepare)
    {
        rolls.increment();
        if (inlinePrepare)
        {
            inlinePrepares.increment();
        }
    }

    /** A writer waited {@code nanos} for the next segment (inline preparation or the preparer's lock). */
    public void recordRollWait(final long nanos)
    {
        rollWaitLatency.record(nanos);
    }

    public void recordPrepareFailure()
    {
        prepareFailures.increment();
    }

    /** A claim that held the committed frontier for the claim timeout was padded over. */
    public void recordUnblockedClaim()
    {
        unblockedClaims.increment();
    }

    /** Called by the committed-frontier walk (under the shard's frontier lock) with what it passed. */
    public void addCommitted(final long newRecords, final long newPayloadBytes)
    {
        records += newRecords;
        payloadBytes += newPayloadBytes;
    }

    public void setRecoveryRepairs(final long repairs)
    {
        recoveryRepairs = repairs;
    }

    /**
     * A consistent picture of this shard's metrics: counters now, latency percentiles over everything recorded
     * since the shard was opened.
     *
     * @param committedPosition the shard's committed frontier (the caller advances it first).
     * @param claimedPosition   the end of what writers have claimed (read after the committed frontier; raised to
     *                          it if lower).
     */
    public synchronized ShardStats snapshot(final long committedPosition, final long claimedPosition,
        final long durablePosition, final int segmentCount)
    {
        return new ShardStats(shard, records, payloadBytes, committedPosition,
            Math.max(claimedPosition, committedPosition), durablePosition, segmentCount, rolls.sum(),
            inlinePrepares.sum(), msyncs.sum(), msyncBytes.sum(), msyncFailures.sum(), prepareFailures.sum(),
            unblockedClaims.sum(), recoveryRepairs, appendLatency.summary(), msyncLatency.summary(),
            rollWaitLatency.summary());
    }

    /**
     * {@link #snapshot(long, long, long, int)}, and adds the append and msync histograms that snapshot summarises to
     * the given all-shard histograms, under the same lock: whole-log totals then count exactly what the shards'
     * summaries count, also while other threads take snapshots.
     */
    public synchronized ShardStats snapshot(final long committedPosition, final long claimedPosition,
        final long durablePosition, final int segmentCount, final Histogram appends, final Histogram msyncs)
    {
        final ShardStats stats = snapshot(committedPosition, claimedPosition, durablePosition, segmentCount);
        appendLatency.addTotalTo(appends);
        msyncLatency.addTotalTo(msyncs);
        return stats;
    }

    /** An empty histogram of the kind this class records into, for merging totals across shards. */
    public static Histogram newTotal()
    {
        return new Histogram(HIGHEST_TRACKABLE_NANOS, SIGNIFICANT_DIGITS);
    }
}
