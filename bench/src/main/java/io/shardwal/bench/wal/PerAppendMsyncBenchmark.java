package io.shardwal.bench.wal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.PageFaults;
import io.shardwal.bench.Workload;
import io.shardwal.mmap.FrameClaim;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentAppender;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The baseline of {@link GroupCommitBenchmark}: durable appends without coordination. Each writer thread appends
 * the same frame as the log (8-byte key, 64 B payload) with {@link SegmentAppender#append(byte[], byte[],
 * FrameClaim)} into one shared segment, then msyncs that frame's pages with {@link MappedSegment#msync(long, long)}
 * (MS_SYNC, the call the log's group commit makes) before its next append: one msync per append, whatever the
 * other writers do. Whatever batching the kernel does among concurrent msyncs of one file is the baseline's.
 *
 * <p>The segment is created and pretouched before each shot and sized for it ({@link ShotSegments}), so the
 * baseline never rolls or faults; after the shot its tail is checked to hold exactly the appended frames.
 * {@link Msyncs} reports the msync calls and the time spent in them, like the log's {@code WalCounters}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 3, batchSize = Workload.DURABLE_RECORDS_PER_SHOT)
@Measurement(iterations = 10, batchSize = Workload.DURABLE_RECORDS_PER_SHOT)
@State(Scope.Benchmark)
public class PerAppendMsyncBenchmark
{
    @Param({"64"})
    public int payload;

    /** One segment per shot, shared by all writer threads. */
    @State(Scope.Benchmark)
    public static class Segment
    {
        private long frameLength;
        private long expectedBytes;
        private ShotSegments segments;
        private SegmentAppender appender;
        private MappedSegment segment;

        @Setup(Level.Iteration)
        public void beginShot(final PerAppendMsyncBenchmark benchmark, final BenchmarkParams params,
            final IterationParams iteration)
        {
            frameLength = FrameDescriptor.align(FrameDescriptor.dataFrameLength(Workload.KEY_BYTES,
                benchmark.payload));
            expectedBytes = (long)params.getThreads() * iteration.getBatchSize() * frameLength;
            segments = ShotSegments.create("per-append-msync-", 1, expectedBytes);
            appender = segments.appender(0);
            segment = segments.segment(0);
        }

        @TearDown(Level.Iteration)
        public void endShot()
        {
            segments.closeExpecting(expectedBytes);
        }
    }

    /** Per writer thread: msync calls and the microseconds spent in them during the shot (summed over threads). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Msyncs
    {
        public long msyncs;
        public long msyncMicros;
        private long nanos;

        @Setup(Level.Iteration)
        public void reset()
        {
            nanos = 0;
        }

        @TearDown(Level.Iteration)
        public void publish()
        {
            msyncMicros = Math.round(nanos / 1e3);
        }

        void add(final long elapsed)
        {
            msyncs++;
            nanos += elapsed;
        }
    }

    /** A writer thread's key, payload and claim workspace. */
    @State(Scope.Thread)
    public static class Writer
    {
        private final FrameClaim claim = new FrameClaim();
        private byte[] key;
        private byte[] value;

        @Setup(Level.Trial)
        public void open(final PerAppendMsyncBenchmark benchmark, final ThreadParams thread)
        {
            key = Workload.longKey(thread.getThreadIndex());
            value = Workload.payload(benchmark.payload);
        }
    }

    @Benchmark
    @Threads(1)
    public long writers1(final PageFaults faults, final Segment segment, final Writer writer, final Msyncs msyncs)
    {
        return appendAndMsync(segment, writer, msyncs);
    }

    @Benchmark
    @Threads(4)
    public long writers4(final PageFaults faults, final Segment segment, final Writer writer, final Msyncs msyncs)
    {
        return appendAndMsync(segment, writer, msyncs);
    }

    @Benchmark
    @Threads(16)
    public long writers16(final PageFaults faults, final Segment segment, final Writer writer, final Msyncs msyncs)
    {
        return appendAndMsync(segment, writer, msyncs);
    }

    @Benchmark
    @Threads(64)
    public long writers64(final PageFaults faults, final Segment segment, final Writer writer, final Msyncs msyncs)
    {
        return appendAndMsync(segment, writer, msyncs);
    }

    private static long appendAndMsync(final Segment segment, final Writer writer, final Msyncs msyncs)
    {
        final long position = segment.appender.append(writer.key, writer.value, writer.claim);
        if (position < 0)
        {
            throw new IllegalStateException(SegmentAppender.errorString(position));
        }
        final long start = System.nanoTime();
        try
        {
            segment.segment.msync(position, segment.frameLength);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        msyncs.add(System.nanoTime() - start);
        return position;
    }
}
