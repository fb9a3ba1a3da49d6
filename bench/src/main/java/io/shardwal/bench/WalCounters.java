package io.shardwal.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * A WAL's counters per shot, from {@link io.shardwal.wal.ShardedWal#stats()} before and after the shot
 * ({@link BenchWal#lastShot()}), reported by JMH as secondary results: rolls to the next segment, rolls that had
 * to prepare that segment on the writer's thread ({@code inlinePrepares}: the background preparer lagged), msync
 * calls (the syncer's, or STRICT group commits, and a segment's header page when the writer lets go of it) and the
 * microseconds spent in them (from the log's msync histogram; 0 with latency recording OFF), and segments pruned
 * after the shot to stay within the disk budget.
 *
 * <p>The counters are the log's, not a thread's: thread 0 reports them, the others report 0, so JMH's sum over
 * threads is the log's figure. Put this parameter <em>after</em> the state that calls {@link BenchWal#endShot}:
 * JMH runs iteration tear-downs in parameter order, and this one must read the shot that state just ended.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class WalCounters
{
    public long rolls;
    public long inlinePrepares;
    public long msyncs;
    public long msyncMicros;
    public long prunedSegments;

    @TearDown(Level.Iteration)
    public void read(final ThreadParams thread)
    {
        final BenchWal.Shot shot = thread.getThreadIndex() == 0 ? BenchWal.lastShot() : null;
        rolls = shot == null ? 0 : shot.rolls();
        inlinePrepares = shot == null ? 0 : shot.inlinePrepares();
        msyncs = shot == null ? 0 : shot.msyncs();
        msyncMicros = shot == null ? 0 : shot.msyncMicros();
        prunedSegments = shot == null ? 0 : shot.prunedSegments();
    }
}
