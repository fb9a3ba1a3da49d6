package io.shardwal.bench.wal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.BenchWal;
import io.shardwal.bench.PageFaults;
import io.shardwal.bench.Workload;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The first appends of a log that was just created: {@link ShardedWal#append(byte[], byte[])}, ASYNC, one shard,
 * the default 64 MiB segments. Each shot opens a new log (untimed), waits {@code pauseMillis} (untimed), then
 * appends one shot of records, all of which fit the log's first segment; the log is closed and deleted after the
 * shot. {@link AsyncAppendBenchmark} measures the same appends in a log's steady state, where the writer only ever
 * meets segments the background preparer made ready; here the writer starts in the segment the open created.
 *
 * <ul>
 *   <li>{@code pauseMillis=0}: the writer starts the moment {@code open} returns, as a benchmark would.</li>
 *   <li>{@code pauseMillis=250}: a host that opens its log a little before the first record arrives.</li>
 * </ul>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 5, batchSize = Workload.RECORDS_PER_SHOT)
@Measurement(iterations = 10, batchSize = Workload.RECORDS_PER_SHOT)
@State(Scope.Thread)
public class NewLogBenchmark
{
    @Param({"64"})
    public int payload;

    @Param({"0", "250"})
    public int pauseMillis;

    private BenchWal log;
    private byte[] key;
    private byte[] value;

    @Setup(Level.Iteration)
    public void open()
    {
        if (pauseMillis < 0)
        {
            throw new IllegalArgumentException("pauseMillis must be 0 or more, not " + pauseMillis);
        }
        log = BenchWal.open("wal-new-", options -> options.shardCount(1).syncMode(SyncMode.ASYNC));
        key = log.keyFor(0);
        value = Workload.payload(payload);
        final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pauseMillis);
        for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime())
        {
            LockSupport.parkNanos(left);
        }
    }

    @TearDown(Level.Iteration)
    public void close()
    {
        log.close();
    }

    @Benchmark
    @Threads(1)
    public long firstSegment(final PageFaults faults)
    {
        return log.wal().append(key, value);
    }
}
