package io.shardwal.bench.wal;

import java.util.concurrent.TimeUnit;

import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.BenchWal;
import io.shardwal.bench.WalTrial;
import io.shardwal.bench.PageFaults;
import io.shardwal.bench.WalCounters;
import io.shardwal.bench.Workload;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The seeds' scenario: 64 writer threads appending 64 B records under random 16-byte keys to one log of
 * {@code shards} shards, in {@link SyncMode#ASYNC} mode (appends return on commit; the syncer msyncs every 10 ms).
 * Compared in the same run with {@link SingleMutexWalBenchmark}: the same frames, routed the same way, written
 * under one lock.
 *
 * <p>Each thread cycles through its own {@value #KEYS_PER_THREAD} pseudo-random keys (different per thread), so
 * records spread evenly over the shards and a thread's consecutive records go to different shards. Shots of
 * {@link Workload#MANY_WRITER_RECORDS_PER_SHOT} appends per thread (1.28 M records, about 120 MB of frames);
 * {@value #SEGMENT_SIZE}-byte segments, default prepareAhead (1); the log lives for the trial and is pruned when
 * over the disk budget.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 3, batchSize = Workload.MANY_WRITER_RECORDS_PER_SHOT)
@Measurement(iterations = 10, batchSize = Workload.MANY_WRITER_RECORDS_PER_SHOT)
@State(Scope.Benchmark)
public class ManyWritersBenchmark
{
    /**
     * Data bytes per segment: 16 MiB. A new log's first segment of each shard is not pretouched (the preparer only
     * prepares the ones after it), so with the default 64 MiB the first 64 MiB × shards of a fresh log — all of
     * this benchmark's shots at 16 shards — would fault on every page. With 16 MiB segments every shard has rolled
     * into prepared segments before the warm-up ends, and shots measure the log's steady state.
     */
    static final long SEGMENT_SIZE = 16L << 20;

    /** Keys each writer thread cycles through (a power of two). */
    static final int KEYS_PER_THREAD = 1024;

    @Param({"64"})
    public int payload;

    @Param({"1", "4", "8", "16"})
    public int shards;

    /** The trial's ASYNC log. */
    @State(Scope.Benchmark)
    public static class Log extends WalTrial
    {
        @Setup(Level.Trial)
        public void open(final ManyWritersBenchmark benchmark)
        {
            start(BenchWal.open("wal-many-writers-", options -> options.shardCount(benchmark.shards)
                .segmentSize(SEGMENT_SIZE).syncMode(SyncMode.ASYNC)));
        }
    }

    /** A writer thread's random keys and the payload. */
    @State(Scope.Thread)
    public static class Writer
    {
        private byte[][] keys;
        private byte[] value;
        private int next;

        @Setup(Level.Trial)
        public void open(final ManyWritersBenchmark benchmark, final ThreadParams thread)
        {
            keys = Workload.randomKeys(KEYS_PER_THREAD, Workload.RANDOM_KEY_BYTES, thread.getThreadIndex());
            value = Workload.payload(benchmark.payload);
        }

        byte[] nextKey()
        {
            return keys[next++ & (KEYS_PER_THREAD - 1)];
        }
    }

    @Benchmark
    @Threads(64)
    public long writers64(final PageFaults faults, final Log log, final WalCounters counters, final Writer writer)
    {
        return log.wal().append(writer.nextKey(), writer.value);
    }
}
