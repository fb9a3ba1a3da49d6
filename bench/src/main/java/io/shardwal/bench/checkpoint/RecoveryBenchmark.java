package io.shardwal.bench.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.BenchWal;
import io.shardwal.bench.LatencyRecorder;
import io.shardwal.bench.Workload;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.wal.RecoveryReport;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;
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

/**
 * Recovery time: {@link ShardedWal#open(WalOptions)} of a large log — {@value #SHARDS} shards, {@value #LOG_BYTES}
 * bytes of 1 KiB records in 32 MiB segments — which scans (CRC32C-verifies) every frame from the latest
 * checkpoint to the end of each shard before it returns.
 *
 * <ul>
 *   <li>{@code checkpoint=none}: the log has no checkpoint: recovery scans all of it.</li>
 *   <li>{@code checkpoint=recent}: a checkpoint was created when all but the last {@value #AFTER_CHECKPOINT_BYTES}
 *       bytes had been written: recovery scans only those.</li>
 *   <li>{@code stop=clean}: opened after a clean close.</li>
 *   <li>{@code stop=crash}: opened as after a process crash (kill -9): before each open, {@code LOCK} gets back
 *       the text it had while the writer ran ({@code state=open}, this boot), which is exactly what a killed
 *       writer leaves, so recovery treats the stop as a crash: it also msyncs the range it scanned. The data
 *       files are those of the clean close (every page already written back, nothing torn): a real crash would
 *       add the write-back of up to one sync interval of data and cut a torn tail.</li>
 * </ul>
 *
 * The log is written once per trial and stays in the page cache (these are warm-cache figures); each shot opens
 * it (timed) and closes it again (untimed). {@link Counters} reports what the recovery scanned.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 2, batchSize = 1)
@Measurement(iterations = 5, batchSize = 1)
@State(Scope.Benchmark)
public class RecoveryBenchmark
{
    static final int SHARDS = 16;
    /** Bytes of frames in the log: 1.5 GiB. */
    static final long LOG_BYTES = 3L << 29;
    /** Bytes written after the recent checkpoint: 16 MiB (about 1 MiB per shard). */
    static final long AFTER_CHECKPOINT_BYTES = 16L << 20;
    private static final long SEGMENT_SIZE = 32L << 20;
    private static final int PAYLOAD = 1024;
    private static final String LOCK = "LOCK";

    @Param({"none", "recent"})
    public String checkpoint;

    @Param({"clean", "crash"})
    public String stop;

    /** The large log, written once per trial, and the log opened by the current shot. */
    @State(Scope.Benchmark)
    public static class Log
    {
        private BenchWal log;
        private WalOptions options;
        private String lockWhileRunning;
        private boolean crash;
        private ShardedWal opened;
        private RecoveryReport report;

        @Setup(Level.Trial)
        public void write(final RecoveryBenchmark benchmark)
        {
            if (!benchmark.checkpoint.equals("none") && !benchmark.checkpoint.equals("recent")
                || !benchmark.stop.equals("clean") && !benchmark.stop.equals("crash"))
            {
                throw new IllegalArgumentException("checkpoint must be none or recent and stop clean or crash, not "
                    + benchmark.checkpoint + " / " + benchmark.stop);
            }
            crash = benchmark.stop.equals("crash");
            log = BenchWal.open("recovery-", builder -> builder.shardCount(SHARDS).segmentSize(SEGMENT_SIZE)
                .syncMode(SyncMode.ASYNC));
            final ShardedWal wal = log.wal();
            options = wal.options();
            final long frame = FrameDescriptor.align(FrameDescriptor.dataFrameLength(Workload.KEY_BYTES, PAYLOAD));
            final long records = LOG_BYTES / frame;
            final long beforeCheckpoint = (LOG_BYTES - AFTER_CHECKPOINT_BYTES) / frame;
            final byte[] value = Workload.payload(PAYLOAD);
            for (long i = 0; i < records; i++)
            {
                if (i == beforeCheckpoint && benchmark.checkpoint.equals("recent"))
                {
                    wal.createCheckpoint("recent");
                }
                wal.append(Workload.longKey(i), value);
            }
            wal.sync();
            lockWhileRunning = readLock();
            wal.close();
        }

        @Setup(Level.Iteration)
        public void beforeOpen()
        {
            if (crash)
            {
                try
                {
                    Files.writeString(lockFile(), lockWhileRunning, StandardCharsets.UTF_8);
                }
                catch (final IOException e)
                {
                    throw new UncheckedIOException("cannot write " + lockFile(), e);
                }
            }
        }

        @TearDown(Level.Iteration)
        public void afterOpen()
        {
            report = opened.recoveryReport();
            final String expected = crash ? "PROCESS_CRASH" : "CLEAN";
            opened.close();
            opened = null;
            if (!report.previousStop().equals(expected) || !report.repairs().isEmpty())
            {
                throw new IllegalStateException("expected a " + expected + " recovery without repairs: " + report);
            }
        }

        @TearDown(Level.Trial)
        public void close()
        {
            log.close();
        }

        private Path lockFile()
        {
            return log.logDirectory().resolve(LOCK);
        }

        private String readLock()
        {
            try
            {
                return Files.readString(lockFile(), StandardCharsets.UTF_8);
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException("cannot read " + lockFile(), e);
            }
        }
    }

    /** What the last recovery scanned: records, segments, and bytes (from its start to the valid end). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counters
    {
        public long scannedRecords;
        public long scannedSegments;
        public long scannedBytes;

        @TearDown(Level.Iteration)
        public void read(final Log log)
        {
            scannedRecords = log.report.shards().stream().mapToLong(RecoveryReport.ShardRecovery::records).sum();
            scannedSegments = log.report.shards().stream()
                .mapToLong(RecoveryReport.ShardRecovery::segmentsScanned).sum();
            scannedBytes = log.report.shards().stream().mapToLong(s -> s.validEnd() - s.scannedFrom()).sum();
        }
    }

    @Benchmark
    @Threads(1)
    public ShardedWal open(final Log log, final Counters counters, final LatencyRecorder latency)
    {
        final long start = System.nanoTime();
        final ShardedWal wal = ShardedWal.open(log.options);
        latency.record(System.nanoTime() - start);
        log.opened = wal;
        return wal;
    }
}
