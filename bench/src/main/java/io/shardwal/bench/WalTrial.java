package io.shardwal.bench;

import io.shardwal.wal.ShardedWal;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;

/**
 * The JMH state of a benchmark whose {@link BenchWal} lives for a trial: a subclass annotated
 * {@code @State(Scope.Benchmark)} opens the log in its own {@code @Setup(Level.Trial)} method and hands it to
 * {@link #start}; the shots ({@link BenchWal#beginShot()}, {@link BenchWal#endShot(long)} with every thread's batch)
 * and the end of the trial are run from here (JMH runs the annotated methods of a state's superclasses too).
 */
public abstract class WalTrial
{
    private BenchWal log;
    private ShardedWal wal;

    /** Called once by the subclass's trial set-up with the log it opened. */
    protected final void start(final BenchWal opened)
    {
        log = opened;
        wal = opened.wal();
    }

    /** The benchmark's log. */
    public final BenchWal log()
    {
        return log;
    }

    /** The log's {@link ShardedWal}, what the benchmark methods append to. */
    public final ShardedWal wal()
    {
        return wal;
    }

    @Setup(Level.Iteration)
    public void beginShot()
    {
        log.beginShot();
    }

    @TearDown(Level.Iteration)
    public void endShot(final BenchmarkParams params, final IterationParams iteration)
    {
        log.endShot((long)params.getThreads() * iteration.getBatchSize());
    }

    @TearDown(Level.Trial)
    public void close()
    {
        log.close();
    }
}
