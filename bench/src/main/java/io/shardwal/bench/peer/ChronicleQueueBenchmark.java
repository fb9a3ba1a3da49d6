package io.shardwal.bench.peer;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.shardwal.bench.BenchFiles;
import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.LatencyRecorder;
import io.shardwal.bench.PageFaults;
import io.shardwal.bench.Workload;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
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
 * Chronicle Queue, the peer: one {@link ExcerptAppender} per writer thread, all on one queue, each append writing
 * the same payload bytes as the other subjects as one excerpt with {@link ExcerptAppender#writeBytes(BytesStore)}
 * (its fastest raw-bytes path: one call, one copy, no wire encoding; {@code writingDocument()} with a byte write
 * measured slower in a probe). Queue settings are Chronicle's defaults ({@code binary} queue, default roll cycle,
 * block size and indexing), as a user gets them.
 *
 * <p><b>Pages.</b> Open-source Chronicle Queue has no pretoucher (it is an Enterprise feature), so its appends
 * always write pages of its growing queue file for the first time: page faults are part of its steady state.
 * Each shot therefore writes into a fresh queue (created before the shot, closed and deleted after it, which keeps
 * disk use to one shot's bytes); each appender writes one excerpt before the shot, so creating the cycle file and
 * its index is not timed.
 *
 * <p><b>Measurement.</b> Single-shot iterations of {@link Workload#RECORDS_PER_SHOT} appends per thread, as for
 * every subject of this layer.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS,
    BenchJvm.CHRONICLE_EXPORT_NIO, BenchJvm.CHRONICLE_OPEN_REFLECT, BenchJvm.CHRONICLE_NO_ANALYTICS,
    BenchJvm.CHRONICLE_EXPORT_REF, BenchJvm.CHRONICLE_UNSAFE, BenchJvm.CHRONICLE_LOG_LEVEL})
@Warmup(iterations = 5, batchSize = Workload.RECORDS_PER_SHOT)
@Measurement(iterations = 20, batchSize = Workload.RECORDS_PER_SHOT)
@State(Scope.Benchmark)
public class ChronicleQueueBenchmark
{
    @Param({"64", "1024"})
    public int payload;

    private Path directory;
    private ChronicleQueue queue;

    @Setup(Level.Iteration)
    public void openQueue()
    {
        directory = BenchFiles.newDirectory("chronicle-queue-");
        queue = SingleChronicleQueueBuilder.binary(directory).build();
    }

    @TearDown(Level.Iteration)
    public void deleteQueue()
    {
        queue.close();
        BenchFiles.deleteRecursively(directory);
    }

    /** One writer thread's appender; Chronicle appenders belong to the thread that created them. */
    @State(Scope.Thread)
    public static class Appender
    {
        private BytesStore<?, byte[]> record;
        private ExcerptAppender appender;

        @Setup(Level.Iteration)
        public void open(final ChronicleQueueBenchmark benchmark)
        {
            if (record == null)
            {
                record = BytesStore.wrap(Workload.payload(benchmark.payload));
            }
            appender = benchmark.queue.createAppender();
            // Creates the cycle file and its index outside the measured shot.
            appender.writeBytes(record);
        }

        @TearDown(Level.Iteration)
        public void close()
        {
            appender.close();
        }
    }

    @Benchmark
    @Threads(1)
    public void oneWriter(final PageFaults faults, final Appender appender)
    {
        appender.appender.writeBytes(appender.record);
    }

    @Benchmark
    @Threads(2)
    public void twoWriters(final PageFaults faults, final Appender appender)
    {
        appender.appender.writeBytes(appender.record);
    }

    @Benchmark
    @Threads(1)
    public void oneWriterLatency(final PageFaults faults, final Appender appender,
        final LatencyRecorder latency)
    {
        final long start = System.nanoTime();
        appender.appender.writeBytes(appender.record);
        latency.record(System.nanoTime() - start);
    }

    @Benchmark
    @Threads(2)
    public void twoWritersLatency(final PageFaults faults, final Appender appender,
        final LatencyRecorder latency)
    {
        final long start = System.nanoTime();
        appender.appender.writeBytes(appender.record);
        latency.record(System.nanoTime() - start);
    }
}
