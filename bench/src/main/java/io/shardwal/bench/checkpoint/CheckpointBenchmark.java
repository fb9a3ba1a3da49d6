package io.shardwal.bench.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.BenchWal;
import io.shardwal.bench.LatencyRecorder;
import io.shardwal.bench.Workload;
import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.checkpoint.CheckpointLog;
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
 * Latency of creating and loading checkpoints of a log of {@code shards} shards. Every operation is timed alone
 * into a {@link LatencyRecorder} (the JMH score of a shot is not reported: it includes untimed work).
 *
 * <ul>
 *   <li>{@code create}: {@link ShardedWal#createCheckpoint(byte[])} with nothing appended since the previous one:
 *       per shard a wait for earlier claims and a group-commit round with nothing to msync, then the entry
 *       appended to {@code checkpoints.log} and forced, then HEAD replaced (temporary file forced, renamed, directory
 *       synced).</li>
 *   <li>{@code createAfterAppends}: the same after {@value #APPENDS_BETWEEN} appends of 64 B records under random
 *       keys (spread over all shards; untimed) that no msync has covered yet (the log is in
 *       {@link SyncMode#BATCH_ONLY} mode: single appends are not msynced and there is no background syncer), so
 *       the checkpoint msyncs the new bytes of every shard it covers. That is the worst case of an ASYNC log,
 *       whose syncer may have synced some of them already.</li>
 *   <li>{@code load}: {@link ShardedWal#loadCheckpoint(byte[])} of a checkpoint in the middle of the log's
 *       {@value #KEPT}, on the open log (checkpoints are read and indexed when the log is opened, so this is a
 *       lookup).</li>
 *   <li>{@code loadLatest}: {@link ShardedWal#loadLatestCheckpoint()} on the open log.</li>
 *   <li>{@code loadFromFile}: what a process that has not opened the log pays: reading and validating
 *       {@code checkpoints.log} ({@value #KEPT} entries, in the page cache) with a read-only
 *       {@link CheckpointLog#open}, then taking its latest entry.</li>
 * </ul>
 *
 * The log is created per trial with {@value #KEPT} checkpoints, {@value #APPENDS_BETWEEN} appends apart; 4 MiB
 * segments, prepareAhead 1.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 3, batchSize = CheckpointBenchmark.CREATES_PER_SHOT)
@Measurement(iterations = 10, batchSize = CheckpointBenchmark.CREATES_PER_SHOT)
@State(Scope.Benchmark)
public class CheckpointBenchmark
{
    /** Checkpoints in the log before the first shot. */
    static final int KEPT = 100;
    /** Appends before each {@code createAfterAppends}. */
    static final int APPENDS_BETWEEN = 1_000;
    static final int CREATES_PER_SHOT = 20;
    static final int LOADS_PER_SHOT = 10_000;
    static final int FILE_LOADS_PER_SHOT = 200;
    private static final long SEGMENT_SIZE = 4L << 20;
    private static final int KEYS = 4096;

    @Param({"4", "16", "64"})
    public int shards;

    /** The trial's log with its checkpoints. */
    @State(Scope.Benchmark)
    public static class Log
    {
        private BenchWal log;
        private ShardedWal wal;
        private byte[][] keys;
        private byte[] value;
        private int nextKey;
        private long nextId;
        private byte[] middleId;

        @Setup(Level.Trial)
        public void open(final CheckpointBenchmark benchmark)
        {
            log = BenchWal.open("checkpoints-", options -> options.shardCount(benchmark.shards)
                .segmentSize(SEGMENT_SIZE).syncMode(SyncMode.BATCH_ONLY));
            wal = log.wal();
            keys = Workload.randomKeys(KEYS, Workload.RANDOM_KEY_BYTES, 0);
            value = Workload.payload(64);
            for (int i = 0; i < KEPT; i++)
            {
                appendSome();
                wal.createCheckpoint(nextId());
            }
            middleId = id(KEPT / 2);
            if (wal.checkpointCount() != KEPT)
            {
                throw new IllegalStateException("expected " + KEPT + " checkpoints, found " + wal.checkpointCount());
            }
        }

        @TearDown(Level.Trial)
        public void close()
        {
            log.close();
        }

        void appendSome()
        {
            for (int i = 0; i < APPENDS_BETWEEN; i++)
            {
                wal.append(keys[nextKey++ & (KEYS - 1)], value);
            }
        }

        byte[] nextId()
        {
            return id(++nextId);
        }

        private static byte[] id(final long number)
        {
            return ("bench-" + number).getBytes(StandardCharsets.UTF_8);
        }
    }

    @Benchmark
    @Threads(1)
    public Checkpoint create(final Log log, final LatencyRecorder latency)
    {
        final byte[] id = log.nextId();
        final long start = System.nanoTime();
        final Checkpoint checkpoint = log.wal.createCheckpoint(id);
        latency.record(System.nanoTime() - start);
        return checkpoint;
    }

    @Benchmark
    @Threads(1)
    public Checkpoint createAfterAppends(final Log log, final LatencyRecorder latency)
    {
        log.appendSome();
        final byte[] id = log.nextId();
        final long start = System.nanoTime();
        final Checkpoint checkpoint = log.wal.createCheckpoint(id);
        latency.record(System.nanoTime() - start);
        return checkpoint;
    }

    @Benchmark
    @Threads(1)
    @Warmup(iterations = 3, batchSize = LOADS_PER_SHOT)
    @Measurement(iterations = 10, batchSize = LOADS_PER_SHOT)
    public Checkpoint load(final Log log, final LatencyRecorder latency)
    {
        final long start = System.nanoTime();
        final Checkpoint checkpoint = log.wal.loadCheckpoint(log.middleId);
        latency.record(System.nanoTime() - start);
        return checkpoint;
    }

    @Benchmark
    @Threads(1)
    @Warmup(iterations = 3, batchSize = LOADS_PER_SHOT)
    @Measurement(iterations = 10, batchSize = LOADS_PER_SHOT)
    public Optional<Checkpoint> loadLatest(final Log log, final LatencyRecorder latency)
    {
        final long start = System.nanoTime();
        final Optional<Checkpoint> checkpoint = log.wal.loadLatestCheckpoint();
        latency.record(System.nanoTime() - start);
        return checkpoint;
    }

    @Benchmark
    @Threads(1)
    @Warmup(iterations = 3, batchSize = FILE_LOADS_PER_SHOT)
    @Measurement(iterations = 10, batchSize = FILE_LOADS_PER_SHOT)
    public Checkpoint loadFromFile(final CheckpointBenchmark benchmark, final Log log, final LatencyRecorder latency)
    {
        final long start = System.nanoTime();
        final Checkpoint checkpoint;
        try (CheckpointLog checkpoints = CheckpointLog.open(log.log.logDirectory(), benchmark.shards, false))
        {
            checkpoint = checkpoints.latest().orElseThrow();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        latency.record(System.nanoTime() - start);
        return checkpoint;
    }
}
