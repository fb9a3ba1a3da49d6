package io.shardwal.bench.ingest;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.infra.ThreadParams;

import io.shardwal.bench.BenchJvm;
import io.shardwal.bench.BenchWal;
import io.shardwal.index.Labels;
import io.shardwal.index.ShardedIndex;
import io.shardwal.ingest.Ingest;
import io.shardwal.ingest.IngestOptions;
import io.shardwal.wal.SyncMode;

/**
 * Samples of known series (the scrape path) into a log of 4 shards and a 4-shard index, 1 and 2 sender threads,
 * operations = samples; the log's sync mode per {@link #durability}:
 * <ul>
 *   <li>{@code subject=ingest}: {@link Ingest#send}, batches of {@code maxSignalsInBatch} samples written with
 *       one {@code appendBatch} each (the flusher writes the rest every 10 ms);</li>
 *   <li>{@code subject=append}, the baseline: the same index lookup, then one {@code append} per sample of the
 *       same record bytes (8-byte series id, 17-byte value) — what a sender does without a batching front end.</li>
 * </ul>
 * Both look the series up in the index (the ingest also checks whether it is new: one more hash and probe), so the
 * ratio shows what batching is worth, net of the ingest's own overhead. The
 * series are 10,000 label sets of 4 labels, added before the measurement; between iterations the ingest is
 * flushed and the log checkpointed and pruned when over its disk budget ({@link BenchWal}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.NATIVE_ACCESS})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class IngestBenchmark
{
    private static final int SERIES = 10_000;

    @Param({"ingest", "append"})
    public String subject;

    @Param({"512"})
    public int maxSignalsInBatch;

    /**
     * {@code commit}: an ASYNC log for both subjects (a sample is committed when written, msynced by the syncer).
     * {@code msync}: each subject with the promise it can give per write: the ingest into a BATCH_ONLY log (each
     * batch msynced as it is written), the per-sample appends into a STRICT log (each append msynced before it
     * returns, concurrent ones sharing msyncs).
     */
    @Param({"commit", "msync"})
    public String durability;

    private BenchWal log;
    private ShardedIndex index;
    private Ingest ingest;
    private Labels[] series;

    @Setup(Level.Trial)
    public void open()
    {
        final SyncMode mode = durability.equals("commit") ? SyncMode.ASYNC
            : subject.equals("ingest") ? SyncMode.BATCH_ONLY : SyncMode.STRICT;
        log = BenchWal.open("ingest-", builder -> builder.shardCount(4).segmentSize(8L << 20).syncMode(mode));
        index = ShardedIndex.withShards(4);
        series = new Labels[SERIES];
        for (int i = 0; i < SERIES; i++)
        {
            series[i] = Labels.of("__name__", "cpu_" + (i % 10), "host", "host_" + (i / 10), "region",
                "region_" + (i % 7), "job", "node");
            index.addSeries(series[i]);
        }
        ingest = Ingest.open(log.wal(), index, IngestOptions.builder().serializers(4)
            .maxSignalsInBatch(maxSignalsInBatch).flushFrequency(Duration.ofMillis(10)).build());
    }

    @Setup(Level.Iteration)
    public void beginShot()
    {
        log.beginShot();
    }

    @TearDown(Level.Iteration)
    public void endShot()
    {
        ingest.flush();
        log.endShot(-1);
    }

    @TearDown(Level.Trial)
    public void close()
    {
        ingest.close();
        index.close();
        log.close();
    }

    /** A sender's place in the series and its record buffers for the baseline. */
    @State(Scope.Thread)
    public static class Sender
    {
        private final byte[] key = new byte[8];
        private final byte[] value = new byte[17];
        private int next;
        private long time;

        @Setup(Level.Trial)
        public void start(final ThreadParams thread)
        {
            next = thread.getThreadIndex() * 4_999;
        }
    }

    @Benchmark
    @Threads(1)
    public void oneSender(final Sender sender)
    {
        send(sender);
    }

    @Benchmark
    @Threads(2)
    public void twoSenders(final Sender sender)
    {
        send(sender);
    }

    private void send(final Sender sender)
    {
        final Labels labels = series[sender.next];
        sender.next = sender.next + 1 == SERIES ? 0 : sender.next + 1;
        final long time = ++sender.time;
        if (subject.equals("ingest"))
        {
            ingest.send(labels, time, time);
            return;
        }
        final long id = index.addSeries(labels);
        writeLong(sender.key, 0, id);
        sender.value[0] = 2;
        writeLong(sender.value, 1, time);
        writeLong(sender.value, 9, Double.doubleToRawLongBits(time));
        log.wal().append(sender.key, sender.value);
    }

    private static void writeLong(final byte[] bytes, final int offset, final long value)
    {
        for (int i = 0; i < 8; i++)
        {
            bytes[offset + i] = (byte)(value >>> (56 - 8 * i));
        }
    }
}
