package io.shardwal.bench.wal;

import java.util.concurrent.TimeUnit;

import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.BenchWal;
import io.shardwal.bench.WalTrial;
import io.shardwal.bench.PageFaults;
import io.shardwal.bench.WalCounters;
import io.shardwal.bench.Workload;
import io.shardwal.metrics.LatencyRecording;
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
 * What the log's own latency recording costs an append (issue 5): the ASYNC 64 B append of
 * {@link AsyncAppendBenchmark} (same log settings: one shard per writer, {@value AsyncAppendBenchmark#SEGMENT_SIZE}
 * -byte segments, prepareAhead 1, rolls in every shot) with each {@link LatencyRecording} mode:
 *
 * <ul>
 *   <li>{@code FULL}: every append timed (two {@code System.nanoTime()} calls and a histogram record);</li>
 *   <li>{@code SAMPLED} (the default): one append in 64 per thread timed, plus a countdown per append;</li>
 *   <li>{@code COUNTERS_ONLY}: no clock read on the append path; msyncs still timed;</li>
 *   <li>{@code OFF}: nothing timed.</li>
 * </ul>
 *
 * Every mode runs in the same JMH run; the table divides each by {@code OFF} of the same thread count.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 5, batchSize = Workload.RECORDS_PER_SHOT)
@Measurement(iterations = 20, batchSize = Workload.RECORDS_PER_SHOT)
@State(Scope.Benchmark)
public class LatencyRecordingBenchmark
{
    @Param({"64"})
    public int payload;

    @Param({"FULL", "SAMPLED", "COUNTERS_ONLY", "OFF"})
    public LatencyRecording recording;

    /** The trial's log, one shard per writer thread, with the recording mode under test. */
    @State(Scope.Benchmark)
    public static class Log extends WalTrial
    {
        @Setup(Level.Trial)
        public void open(final LatencyRecordingBenchmark benchmark, final BenchmarkParams params)
        {
            start(BenchWal.open("wal-recording-", options -> options.shardCount(params.getThreads())
                .segmentSize(AsyncAppendBenchmark.SEGMENT_SIZE).syncMode(SyncMode.ASYNC).prepareAhead(1)
                .latencyRecording(benchmark.recording)));
        }
    }

    /** A writer thread's key (routed to the shard of its thread index) and the payload. */
    @State(Scope.Thread)
    public static class Writer
    {
        private byte[] key;
        private byte[] value;

        @Setup(Level.Trial)
        public void open(final LatencyRecordingBenchmark benchmark, final Log log, final ThreadParams thread)
        {
            key = log.log().keyFor(thread.getThreadIndex());
            value = Workload.payload(benchmark.payload);
        }
    }

    @Benchmark
    @Threads(1)
    public long oneWriter(final PageFaults faults, final Log log, final WalCounters counters, final Writer writer)
    {
        return log.wal().append(writer.key, writer.value);
    }

    @Benchmark
    @Threads(2)
    public long twoWriters(final PageFaults faults, final Log log, final WalCounters counters, final Writer writer)
    {
        return log.wal().append(writer.key, writer.value);
    }
}
