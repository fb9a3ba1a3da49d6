package io.shardwal.bench.wal;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.BenchWal;
import io.shardwal.bench.WalTrial;
import io.shardwal.bench.LatencyRecorder;
import io.shardwal.bench.PageFaults;
import io.shardwal.bench.WalCounters;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * {@link ShardedWal#append(byte[], byte[])} in {@link SyncMode#ASYNC} mode, sustained across many rolls into
 * fresh segment files: what a telemetry or market-data writer does all day.
 *
 * <ul>
 *   <li>One log per trial with one shard per writer thread ({@code oneWriter}: 1 shard; {@code twoWriters}: 2
 *       writers on 2 shards, each writing an 8-byte key the router sends to its own shard). The payload is the
 *       same bytes as every other subject's; the key is shardwal's addition (frame = 12 + 8 + payload, aligned: 88
 *       bytes for 64, 1048 for 1024).</li>
 *   <li>Segments of {@value #SEGMENT_SIZE} bytes, so that one writer's shot of 64 B records crosses about two
 *       segment ends and a shot of 1 KiB records about 25: rolls are part of every shot ({@code segmentMiB}
 *       changes the size for a diagnostic run). The background preparer
 *       creates, preallocates and pretouches the next {@code prepareAhead} segments of each shard (1 is the
 *       default); the background syncer msyncs every 10 ms (default interval). Both run on the same two cores
 *       as the writers. Latency recording is the default (SAMPLED).</li>
 *   <li>The log lives for the whole trial: shots continue where the previous one stopped, in the log's steady
 *       state (the syncer's write-back and the preparer's work carry over). Between shots the log is checked to
 *       have committed exactly the appended records, and pruned when over the disk budget ({@link BenchWal}).</li>
 * </ul>
 *
 * <p>{@link WalCounters} reports rolls and inline prepares per shot (an inline prepare means the writer had to
 * create its next segment itself because the preparer lagged: the mechanism the comparison with the raw cold file
 * depends on). The {@code …Latency} variants time every append into a {@link LatencyRecorder}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 5, batchSize = Workload.RECORDS_PER_SHOT)
@Measurement(iterations = 20, batchSize = Workload.RECORDS_PER_SHOT)
@State(Scope.Benchmark)
public class AsyncAppendBenchmark
{
    /** Data bytes per segment file: 8 MiB. */
    public static final long SEGMENT_SIZE = 8L << 20;

    @Param({"64", "1024"})
    public int payload;

    @Param({"1", "2"})
    public int prepareAhead;

    /**
     * The ASYNC syncer's interval, as an ISO-8601 duration: the default 10 ms. A diagnostic, not part of the
     * default run: {@code --param syncInterval=PT0.01S,PT1H} shows what the syncer's msyncs (write-back on the same
     * two cores) cost the writers, by comparing with a syncer that never runs during a shot.
     */
    @Param({"PT0.01S"})
    public String syncInterval;

    /**
     * Which append overload the writers call: {@code bytes}, {@link ShardedWal#append(byte[], byte[])} (the
     * default and what the table's targets use), or {@code segments},
     * {@link ShardedWal#append(MemorySegment, MemorySegment)} with the same bytes wrapped once in heap segments. A
     * diagnostic: {@code --param api=bytes,segments}.
     */
    @Param({"bytes"})
    public String api;

    /**
     * Segment size in MiB: {@value #SEGMENT_SIZE} bytes by default (a roll in every shot). A diagnostic:
     * {@code --param segmentMiB=8,64} compares with the log's default size, whose segments last long enough for
     * the preparer to pretouch the next one while the syncer shares the other core ({@link WalWritebackMain}).
     */
    @Param({"8"})
    public int segmentMiB;

    /** The log all writer threads of the trial append to: one shard per writer thread. */
    @State(Scope.Benchmark)
    public static class Log extends WalTrial
    {
        @Setup(Level.Trial)
        public void open(final AsyncAppendBenchmark benchmark, final BenchmarkParams params)
        {
            start(BenchWal.open("wal-async-", options -> options.shardCount(params.getThreads())
                .segmentSize((long)benchmark.segmentMiB << 20).syncMode(SyncMode.ASYNC)
                .prepareAhead(benchmark.prepareAhead)
                .syncInterval(Duration.parse(benchmark.syncInterval))));
        }
    }

    /** A writer thread's key (routed to the shard of its thread index) and the payload. */
    @State(Scope.Thread)
    public static class Writer
    {
        private byte[] key;
        private byte[] value;
        private boolean segments;
        private MemorySegment keySegment;
        private MemorySegment valueSegment;

        @Setup(Level.Trial)
        public void open(final AsyncAppendBenchmark benchmark, final Log log, final ThreadParams thread)
        {
            if (!"bytes".equals(benchmark.api) && !"segments".equals(benchmark.api))
            {
                throw new IllegalArgumentException("api must be bytes or segments, not " + benchmark.api);
            }
            key = log.log().keyFor(thread.getThreadIndex());
            value = Workload.payload(benchmark.payload);
            segments = "segments".equals(benchmark.api);
            keySegment = MemorySegment.ofArray(key);
            valueSegment = MemorySegment.ofArray(value);
        }

        long append(final ShardedWal wal)
        {
            return segments ? wal.append(keySegment, valueSegment) : wal.append(key, value);
        }
    }

    @Benchmark
    @Threads(1)
    public long oneWriter(final PageFaults faults, final Log log, final WalCounters counters, final Writer writer)
    {
        return writer.append(log.wal());
    }

    @Benchmark
    @Threads(2)
    public long twoWriters(final PageFaults faults, final Log log, final WalCounters counters, final Writer writer)
    {
        return writer.append(log.wal());
    }

    @Benchmark
    @Threads(1)
    public long oneWriterLatency(final PageFaults faults, final Log log, final WalCounters counters,
        final Writer writer, final LatencyRecorder latency)
    {
        final long start = System.nanoTime();
        final long address = writer.append(log.wal());
        latency.record(System.nanoTime() - start);
        return address;
    }

    @Benchmark
    @Threads(2)
    public long twoWritersLatency(final PageFaults faults, final Log log, final WalCounters counters,
        final Writer writer, final LatencyRecorder latency)
    {
        final long start = System.nanoTime();
        final long address = writer.append(log.wal());
        latency.record(System.nanoTime() - start);
        return address;
    }
}
