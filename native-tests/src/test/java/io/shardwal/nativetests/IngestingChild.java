package io.shardwal.nativetests;

import java.time.Duration;

import io.shardwal.index.Labels;
import io.shardwal.index.ShardedIndex;
import io.shardwal.ingest.Ingest;
import io.shardwal.ingest.IngestOptions;
import io.shardwal.ingest.IngestReplay;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/**
 * Child JVM for {@link IngestSigkillTest}: opens the log in {@code dir} (sync mode {@code mode}), rebuilds its
 * series index with {@link IngestReplay} and prints {@code R <definitions> <samples> <orphans>}, then prints
 * {@code READY} and sends samples from {@code threads} threads until killed. Thread {@code t}'s sample {@code seq}
 * of run {@code cycle} has the labels of {@link #series}, the timestamp {@link #time} and the value
 * {@link #value}; after every {@link #FLUSH_EVERY}th sample the thread calls {@link Ingest#flush()} and prints
 * {@code F <t> <seq>}: every sample of that thread up to {@code seq} is in the log. Anything unexpected prints
 * {@code X ...} and exits 3.
 */
public final class IngestingChild
{
    static final int FLUSH_EVERY = 40;
    static final int SERIES_PER_THREAD = 150;

    private IngestingChild()
    {
    }

    static Labels series(final int thread, final long seq)
    {
        return Labels.of("__name__", "requests", "thread", "t" + thread, "host", "h" + (seq % SERIES_PER_THREAD));
    }

    static long time(final int cycle, final long seq)
    {
        return cycle * 1_000_000_000L + seq;
    }

    static double value(final int thread, final long seq)
    {
        return thread * 1_000_000_000.0 + seq;
    }

    static WalOptions options(final java.nio.file.Path dir, final SyncMode mode)
    {
        return WalOptions.builder(dir).shardCount(4).segmentSize(64 * 1024).syncMode(mode).build();
    }

    public static void main(final String[] argv)
    {
        final ChildArgs args = ChildArgs.parse(argv);
        try
        {
            run(args);
        }
        catch (final Throwable t)
        {
            ChildOutput.fail("ingest", t, 3);
        }
    }

    private static void run(final ChildArgs args) throws InterruptedException
    {
        final int cycle = args.integer("cycle", 0);
        final int threads = args.integer("threads", 2);
        final ShardedWal wal = ShardedWal.open(options(args.path("dir"), SyncMode.valueOf(args.string("mode"))));
        final ShardedIndex index = ShardedIndex.withShards(2);
        final IngestReplay.Result replayed = IngestReplay.replay(wal, index, null, 2);
        ChildOutput.line("R " + replayed.seriesRecords() + " " + replayed.samples() + " " + replayed.orphanSamples());
        final Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().serializers(2).maxSignalsInBatch(64)
            .flushFrequency(Duration.ofMillis(5)).build());
        ChildOutput.line("READY");
        final Thread[] senders = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            final int thread = t;
            senders[t] = Thread.ofPlatform().name("sender-" + t).start(() ->
            {
                try
                {
                    for (long seq = 0; ; seq++)
                    {
                        ingest.send(series(thread, seq), time(cycle, seq), value(thread, seq));
                        if (seq % FLUSH_EVERY == FLUSH_EVERY - 1)
                        {
                            ingest.flush();
                            ChildOutput.line("F " + thread + " " + seq);
                        }
                    }
                }
                catch (final Throwable e)
                {
                    ChildOutput.fail("sender " + thread, e, 3);
                }
            });
        }
        for (final Thread sender : senders)
        {
            sender.join();
        }
    }
}
