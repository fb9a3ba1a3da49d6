package io.shardwal.bench.wal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.PageFaults;
import io.shardwal.bench.Workload;
import io.shardwal.mmap.FrameClaim;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.SegmentAppender;
import io.shardwal.route.Router;
import io.shardwal.wal.WalOptions;
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
 * The baseline of {@link ManyWritersBenchmark}: a single-mutex log writing the same format. The same 64 writer
 * threads with the same random keys route each record with the log's router (jump hash over xxHash64, seed 0, the
 * log's defaults) to one of {@code shards} segments, then, holding <b>one {@link ReentrantLock} for the whole
 * log</b>, write the frame with {@link SegmentAppender#append(byte[], byte[], FrameClaim)} (checksum, claim, copy,
 * commit: the same frame bytes as the log). Routing happens before the lock, as any implementation would do it.
 *
 * <p>Everything else favours the baseline: its segments are created, pretouched and sized for the whole shot
 * before it ({@link ShotSegments}), so it never rolls, never faults and never msyncs, where the log rolls, runs its
 * preparer and msyncs every 10 ms. After each shot the segments are checked to hold exactly the appended frames.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 3, batchSize = Workload.MANY_WRITER_RECORDS_PER_SHOT)
@Measurement(iterations = 10, batchSize = Workload.MANY_WRITER_RECORDS_PER_SHOT)
@State(Scope.Benchmark)
public class SingleMutexWalBenchmark
{
    /** Head-room over an even share per segment; random keys put within a fraction of a percent of it. */
    private static final double SHARE_MARGIN = 1.25;
    private static final long SLACK_BYTES = 1L << 20;

    @Param({"64"})
    public int payload;

    @Param({"1", "4", "8", "16"})
    public int shards;

    /** The log: its router, its lock, and one segment per shard for the shot. */
    @State(Scope.Benchmark)
    public static class Log
    {
        private final ReentrantLock lock = new ReentrantLock();
        private Router router;
        private long expectedBytes;
        private ShotSegments segments;
        private SegmentAppender[] appenders;

        @Setup(Level.Trial)
        public void open(final SingleMutexWalBenchmark benchmark)
        {
            router = new Router(WalOptions.DEFAULT_ROUTER, WalOptions.DEFAULT_ROUTER_SEED, benchmark.shards);
        }

        @Setup(Level.Iteration)
        public void beginShot(final SingleMutexWalBenchmark benchmark, final BenchmarkParams params,
            final IterationParams iteration)
        {
            final long frameLength = FrameDescriptor.align(FrameDescriptor.dataFrameLength(Workload.RANDOM_KEY_BYTES,
                benchmark.payload));
            expectedBytes = (long)params.getThreads() * iteration.getBatchSize() * frameLength;
            final long perShard = (long)(SHARE_MARGIN * expectedBytes / benchmark.shards) + SLACK_BYTES;
            segments = ShotSegments.create("single-mutex-", benchmark.shards, perShard);
            appenders = new SegmentAppender[benchmark.shards];
            for (int i = 0; i < appenders.length; i++)
            {
                appenders[i] = segments.appender(i);
            }
        }

        @TearDown(Level.Iteration)
        public void endShot()
        {
            segments.closeExpecting(expectedBytes);
        }

        long append(final byte[] key, final byte[] value, final FrameClaim workspace)
        {
            final SegmentAppender appender = appenders[router.shard(key)];
            final long position;
            lock.lock();
            try
            {
                position = appender.append(key, value, workspace);
            }
            finally
            {
                lock.unlock();
            }
            if (position < 0)
            {
                throw new IllegalStateException(SegmentAppender.errorString(position)
                    + ": the baseline's segments are sized for a whole shot");
            }
            return position;
        }
    }

    /** A writer thread's random keys (the same as {@link ManyWritersBenchmark}'s), payload and workspace. */
    @State(Scope.Thread)
    public static class Writer
    {
        private final FrameClaim claim = new FrameClaim();
        private byte[][] keys;
        private byte[] value;
        private int next;

        @Setup(Level.Trial)
        public void open(final SingleMutexWalBenchmark benchmark, final ThreadParams thread)
        {
            keys = Workload.randomKeys(ManyWritersBenchmark.KEYS_PER_THREAD, Workload.RANDOM_KEY_BYTES,
                thread.getThreadIndex());
            value = Workload.payload(benchmark.payload);
        }

        byte[] nextKey()
        {
            return keys[next++ & (ManyWritersBenchmark.KEYS_PER_THREAD - 1)];
        }
    }

    @Benchmark
    @Threads(64)
    public long writers64(final PageFaults faults, final Log log, final Writer writer)
    {
        return log.append(writer.nextKey(), writer.value, writer.claim);
    }
}
