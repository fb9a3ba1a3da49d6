package io.shardwal.bench.wal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.BenchWal;
import io.shardwal.bench.Workload;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.wal.RecordHandler;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalRecord;
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
 * {@link ShardedWal#replay(RecordHandler, int)} of a whole log, every frame's CRC32C verified, on 1 and 2 threads
 * ({@code replay1}, {@code replay2}; one JMH thread calls replay, which reads shards in parallel).
 *
 * <p>The log: 4 shards, 64 MiB segments, {@value #LOG_BYTES} bytes of frames (8-byte number keys spread by the
 * router, the same payload bytes as every subject), written once per trial and msynced before the first shot. It
 * is in the page cache throughout (the machine has room for it; nothing evicts it between shots): these are
 * warm-cache figures, bound by memory bandwidth and the checksum, not by the disk.
 *
 * <ul>
 *   <li>{@code source=writer}: replay through the writable log that wrote the records (its segments mapped, its
 *       committed frontier known).</li>
 *   <li>{@code source=readOnly}: the writer is closed after writing; each shot replays through a new
 *       {@link ShardedWal#openReadOnly} made before the shot (untimed), as a consumer process would: it maps each
 *       segment on first use (minor faults against the page cache) and walks the committed frontier of each shard
 *       first — both inside the timed replay.</li>
 * </ul>
 *
 * The handler adds each record's value length to a {@link LongAdder} (cheap, thread-safe, and checked after each
 * shot against the records written, so nothing is skipped). {@link Counters} reports records, frame bytes and
 * payload bytes per shot; the table divides them by the shot time.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 2, batchSize = 1)
@Measurement(iterations = 5, batchSize = 1)
@State(Scope.Benchmark)
public class ReplayBenchmark
{
    /** Bytes of frames in the replayed log: 2 GiB. */
    public static final long LOG_BYTES = 2L << 30;
    private static final int SHARDS = 4;

    @Param({"64", "1024"})
    public int payload;

    @Param({"writer", "readOnly"})
    public String source;

    /** The log, written once per trial, and what a replay of it must deliver. */
    @State(Scope.Benchmark)
    public static class Log
    {
        private BenchWal log;
        private boolean readOnly;
        private ShardedWal reader;
        private long records;
        private long frameLength;
        private int payload;
        private final LongAdder payloadSeen = new LongAdder();
        private final RecordHandler handler = this::onRecord;
        private long lastRecords;

        @Setup(Level.Trial)
        public void write(final ReplayBenchmark benchmark)
        {
            if (!"writer".equals(benchmark.source) && !"readOnly".equals(benchmark.source))
            {
                throw new IllegalArgumentException("source must be writer or readOnly, not " + benchmark.source);
            }
            readOnly = "readOnly".equals(benchmark.source);
            payload = benchmark.payload;
            frameLength = FrameDescriptor.align(FrameDescriptor.dataFrameLength(Workload.KEY_BYTES, payload));
            records = LOG_BYTES / frameLength;
            log = BenchWal.open("wal-replay-", options -> options.shardCount(SHARDS).syncMode(SyncMode.ASYNC));
            final ShardedWal wal = log.wal();
            final byte[] value = Workload.payload(payload);
            final byte[] key = new byte[Workload.KEY_BYTES];
            for (long i = 0; i < records; i++)
            {
                for (int b = 0; b < key.length; b++)
                {
                    key[b] = (byte)(i >>> (8 * b));
                }
                wal.append(key, value);
            }
            wal.sync();
            if (readOnly)
            {
                wal.close();
            }
        }

        @Setup(Level.Iteration)
        public void beginShot()
        {
            payloadSeen.reset();
            reader = readOnly ? ShardedWal.openReadOnly(log.logDirectory()) : log.wal();
        }

        @TearDown(Level.Iteration)
        public void endShot()
        {
            if (readOnly)
            {
                reader.close();
            }
            if (lastRecords != records || payloadSeen.sum() != records * payload)
            {
                throw new IllegalStateException("replay delivered " + lastRecords + " records and "
                    + payloadSeen.sum() + " payload bytes; the log holds " + records + " records of " + payload
                    + " bytes");
            }
        }

        @TearDown(Level.Trial)
        public void close()
        {
            log.close();
        }

        long replay(final int parallelism)
        {
            lastRecords = reader.replay(handler, parallelism);
            return lastRecords;
        }

        private void onRecord(final WalRecord record)
        {
            payloadSeen.add(record.valueLength());
        }
    }

    /** Records, frame bytes and payload bytes one replay read. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counters
    {
        public long records;
        public long frameBytes;
        public long payloadBytes;

        @TearDown(Level.Iteration)
        public void read(final Log log)
        {
            records = log.lastRecords;
            frameBytes = log.lastRecords * log.frameLength;
            payloadBytes = log.lastRecords * log.payload;
        }
    }

    @Benchmark
    @Threads(1)
    public long replay1(final Counters counters, final Log log)
    {
        return log.replay(1);
    }

    @Benchmark
    @Threads(1)
    public long replay2(final Counters counters, final Log log)
    {
        return log.replay(2);
    }
}
