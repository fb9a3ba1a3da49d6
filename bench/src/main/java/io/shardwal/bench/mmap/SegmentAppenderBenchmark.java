package io.shardwal.bench.mmap;

import java.util.concurrent.TimeUnit;

import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.LatencyRecorder;
import io.shardwal.bench.PageFaults;
import io.shardwal.bench.Workload;
import io.shardwal.mmap.FrameClaim;
import io.shardwal.mmap.SegmentAppender;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;

/**
 * shardwal's {@link SegmentAppender}: the many-writer claim-and-commit protocol over one mapped segment, with the
 * same payload bytes as the other subjects as the value and an <b>empty key</b> (a frame is 12 header bytes +
 * value, 8-byte aligned: 80 bytes for 64, 1040 for 1024).
 *
 * <ul>
 *   <li>{@code append*}: the copying path, {@link SegmentAppender#append(byte[], byte[], FrameClaim)}
 *       (CRC32C of key and value, claim, copy, commit);</li>
 *   <li>{@code claim*}: the zero-copy path, {@code tryClaim} → {@link FrameClaim#putValue(int, byte[], int, int)}
 *       → {@link FrameClaim#commit()} (CRC32C over the mapped frame at commit);</li>
 *   <li>{@code OneWriter}: one thread; {@code TwoWritersSharedSegment}: two threads claiming from one segment's tail
 *       counter (the many-writer case); {@code TwoWritersOwnSegment}: two threads, a segment each.</li>
 * </ul>
 *
 * <p><b>Pages.</b> Warm: each segment is created (preallocated), at least {@link Workload#WARM_REGION_BYTES}
 * large, and pretouched once per trial with {@link io.shardwal.mmap.MappedSegment#pretouch}, as the engine's
 * prepared segments will be. Shots advance through it; when the next shot would not fit, the segment is emptied
 * ({@link BenchSegment}: written bytes and tail counter zeroed, untimed) and shots start over at offset 0. So a shot
 * appends into resident, writable pages whose lines are not in the cache. {@code appendOneWriterFreshSegment} is
 * the cold counterpart, to compare with the other cold figures: a new preallocated segment per shot, sized for
 * the shot and not pretouched.
 *
 * <p><b>SEGMENT_FULL.</b> A shot ({@link Workload#RECORDS_PER_SHOT} frames per writer) always fits in what is left
 * of its segment, since the segment is emptied before a shot that would not fit, so no append in a shot meets the
 * end of a segment and no roll is timed. An append that returned SEGMENT_FULL anyway would throw, and after every
 * shot the tail counter is checked to have advanced by exactly the frames of all writers.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 5, batchSize = Workload.RECORDS_PER_SHOT)
@Measurement(iterations = 20, batchSize = Workload.RECORDS_PER_SHOT)
@State(Scope.Benchmark)
public class SegmentAppenderBenchmark
{
    private static final byte[] EMPTY_KEY = new byte[0];

    @Param({"64", "1024"})
    public int payload;

    /** One warm segment that all writer threads of the benchmark append to. */
    @State(Scope.Benchmark)
    public static class SharedSegment
    {
        private BenchSegment segment;
        private SegmentAppender appender;
        private int writers;

        @Setup(Level.Trial)
        public void open(final SegmentAppenderBenchmark benchmark, final BenchmarkParams params)
        {
            writers = params.getThreads();
            segment = BenchSegment.create(benchmark.payload, writers, largestBatch(params), true);
            appender = segment.appender();
        }

        @Setup(Level.Iteration)
        public void beginShot(final IterationParams iteration)
        {
            segment.beginShot((long)writers * iteration.getBatchSize());
        }

        @TearDown(Level.Iteration)
        public void endShot()
        {
            segment.endShot();
        }

        @TearDown(Level.Trial)
        public void close()
        {
            segment.close();
        }
    }

    /** One warm segment per writer thread. */
    @State(Scope.Thread)
    public static class OwnSegment
    {
        private BenchSegment segment;
        private SegmentAppender appender;

        @Setup(Level.Trial)
        public void open(final SegmentAppenderBenchmark benchmark, final BenchmarkParams params)
        {
            segment = BenchSegment.create(benchmark.payload, 1, largestBatch(params), true);
            appender = segment.appender();
        }

        @Setup(Level.Iteration)
        public void beginShot(final IterationParams iteration)
        {
            segment.beginShot(iteration.getBatchSize());
        }

        @TearDown(Level.Iteration)
        public void endShot()
        {
            segment.endShot();
        }

        @TearDown(Level.Trial)
        public void close()
        {
            segment.close();
        }
    }

    /** A new segment per shot and writer thread, preallocated but not pretouched: every page faults once. */
    @State(Scope.Thread)
    public static class FreshSegment
    {
        private BenchSegment segment;
        private SegmentAppender appender;

        @Setup(Level.Iteration)
        public void beginShot(final SegmentAppenderBenchmark benchmark, final IterationParams iteration)
        {
            segment = BenchSegment.create(benchmark.payload, 1, iteration.getBatchSize(), false);
            segment.beginShot(iteration.getBatchSize());
            appender = segment.appender();
        }

        @TearDown(Level.Iteration)
        public void endShot()
        {
            try
            {
                segment.endShot();
            }
            finally
            {
                segment.close();
            }
        }
    }

    /** A writer thread's claim flyweight (also the copying path's checksum workspace) and its value bytes. */
    @State(Scope.Thread)
    public static class Writer
    {
        private final FrameClaim claim = new FrameClaim();
        private byte[] value;

        @Setup(Level.Trial)
        public void open(final SegmentAppenderBenchmark benchmark)
        {
            value = Workload.payload(benchmark.payload);
        }
    }

    @Benchmark
    @Threads(1)
    public long appendOneWriter(final PageFaults faults, final SharedSegment segment, final Writer writer)
    {
        return append(segment.appender, writer);
    }

    @Benchmark
    @Threads(2)
    public long appendTwoWritersSharedSegment(final PageFaults faults, final SharedSegment segment, final Writer writer)
    {
        return append(segment.appender, writer);
    }

    @Benchmark
    @Threads(2)
    public long appendTwoWritersOwnSegment(final PageFaults faults, final OwnSegment segment, final Writer writer)
    {
        return append(segment.appender, writer);
    }

    @Benchmark
    @Threads(1)
    public long appendOneWriterFreshSegment(final PageFaults faults, final FreshSegment segment, final Writer writer)
    {
        return append(segment.appender, writer);
    }

    @Benchmark
    @Threads(1)
    public long claimOneWriter(final PageFaults faults, final SharedSegment segment, final Writer writer)
    {
        return claim(segment.appender, writer);
    }

    @Benchmark
    @Threads(2)
    public long claimTwoWritersSharedSegment(final PageFaults faults, final SharedSegment segment, final Writer writer)
    {
        return claim(segment.appender, writer);
    }

    @Benchmark
    @Threads(2)
    public long claimTwoWritersOwnSegment(final PageFaults faults, final OwnSegment segment, final Writer writer)
    {
        return claim(segment.appender, writer);
    }

    @Benchmark
    @Threads(1)
    public long appendOneWriterLatency(final PageFaults faults, final SharedSegment segment, final Writer writer,
        final LatencyRecorder latency)
    {
        final long start = System.nanoTime();
        final long position = append(segment.appender, writer);
        latency.record(System.nanoTime() - start);
        return position;
    }

    @Benchmark
    @Threads(2)
    public long appendTwoWritersSharedSegmentLatency(final PageFaults faults, final SharedSegment segment,
        final Writer writer, final LatencyRecorder latency)
    {
        final long start = System.nanoTime();
        final long position = append(segment.appender, writer);
        latency.record(System.nanoTime() - start);
        return position;
    }

    @Benchmark
    @Threads(1)
    public long claimOneWriterLatency(final PageFaults faults, final SharedSegment segment, final Writer writer,
        final LatencyRecorder latency)
    {
        final long start = System.nanoTime();
        final long position = claim(segment.appender, writer);
        latency.record(System.nanoTime() - start);
        return position;
    }

    @Benchmark
    @Threads(2)
    public long claimTwoWritersSharedSegmentLatency(final PageFaults faults, final SharedSegment segment,
        final Writer writer, final LatencyRecorder latency)
    {
        final long start = System.nanoTime();
        final long position = claim(segment.appender, writer);
        latency.record(System.nanoTime() - start);
        return position;
    }

    private static long append(final SegmentAppender appender, final Writer writer)
    {
        final long position = appender.append(EMPTY_KEY, writer.value, writer.claim);
        if (position == SegmentAppender.SEGMENT_FULL)
        {
            throw segmentFull();
        }
        return position;
    }

    private static long claim(final SegmentAppender appender, final Writer writer)
    {
        final FrameClaim claim = writer.claim;
        final byte[] value = writer.value;
        final long position = appender.tryClaim(0, value.length, claim);
        if (position == SegmentAppender.SEGMENT_FULL)
        {
            throw segmentFull();
        }
        claim.putValue(0, value, 0, value.length);
        claim.commit();
        return position;
    }

    private static IllegalStateException segmentFull()
    {
        return new IllegalStateException("SEGMENT_FULL within a shot: the segment is sized for one shot of appends");
    }

    private static long largestBatch(final BenchmarkParams params)
    {
        return Math.max(params.getWarmup().getBatchSize(), params.getMeasurement().getBatchSize());
    }
}
