package io.shardwal.nativetests;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;

import io.shardwal.index.Labels;
import io.shardwal.index.ShardedIndex;
import io.shardwal.ingest.Ingest;
import io.shardwal.ingest.IngestOptions;
import io.shardwal.ingest.IngestPruneResult;
import io.shardwal.ingest.IngestReplay;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/**
 * Child JVM for {@link IngestSigkillTest} and {@link IngestPowerLossTest}: opens the log in {@code dir}
 * (sync mode {@code mode}) and prints {@code OPENED}, rebuilds its series index with {@link IngestReplay} and
 * prints {@code R <definitions> <samples> <orphans>}, then prints {@code READY} and sends samples from {@code threads}
 * threads until killed. Thread {@code t}'s sample {@code seq} of run {@code cycle} has the labels of
 * {@link #series}, the timestamp {@link #time} and the value {@link #value}; after every {@link #FLUSH_EVERY}th
 * sample the thread calls {@link Ingest#flush()} and prints {@code F <t> <seq>}: every sample of that thread up to
 * {@code seq} is in the log. With {@code syncFlush=N} only every {@code N}th flush of a thread prints its line,
 * after a {@link ShardedWal#sync()}: in ASYNC mode a flush only commits, and the sync is what makes the flushed
 * samples survive a power cut (a larger {@code N} leaves longer stretches unsynced, for a cut to find; so does
 * {@code syncMillis}, the ASYNC log's background sync interval). Anything unexpected prints {@code X ...} and
 * exits 3.
 *
 * <p>With {@code prune=1} a third thread prunes as a host that keeps its log short would: every
 * {@link #PRUNE_EVERY_MILLIS} it creates a checkpoint, prints {@code K <s0> <s1> ...} (per sender, the last sample
 * whose send began before the checkpoint was complete: every later sample lies above it), prunes before it with
 * {@link Ingest#pruneBefore} and prints {@code P <name> <segments deleted> <definitions carried>}.
 */
public final class IngestingChild
{
    static final int FLUSH_EVERY = 40;
    static final int SERIES_PER_THREAD = 150;
    static final int PRUNE_EVERY_MILLIS = 40;

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

    /** With {@code pruning}, segments of 16 KiB, so that a child's few hundred milliseconds fill several. */
    static WalOptions options(final java.nio.file.Path dir, final SyncMode mode, final boolean pruning)
    {
        return WalOptions.builder(dir).shardCount(4).segmentSize((pruning ? 16 : 64) * 1024).syncMode(mode).build();
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
        final boolean pruning = args.integer("prune", 0) == 1;
        final int syncEvery = args.integer("syncFlush", 0);
        final WalOptions options = options(args.path("dir"), SyncMode.valueOf(args.string("mode")), pruning);
        final int syncMillis = args.integer("syncMillis", 0);
        final ShardedWal wal = ShardedWal.open(syncMillis == 0 ? options
            : options.toBuilder().syncInterval(Duration.ofMillis(syncMillis)).build());
        ChildOutput.line("OPENED");
        final ShardedIndex index = ShardedIndex.withShards(2);
        final IngestReplay.Result replayed = IngestReplay.replay(wal, index, null, 2);
        ChildOutput.line("R " + replayed.seriesRecords() + " " + replayed.samples() + " " + replayed.orphanSamples());
        final Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().serializers(2).maxSignalsInBatch(64)
            .flushFrequency(Duration.ofMillis(5)).build());
        ChildOutput.line("READY");
        final AtomicLongArray started = new AtomicLongArray(threads);
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
                        started.set(thread, seq);
                        ingest.send(series(thread, seq), time(cycle, seq), value(thread, seq));
                        if (seq % FLUSH_EVERY == FLUSH_EVERY - 1)
                        {
                            ingest.flush();
                            if (syncEvery > 0)
                            {
                                if ((seq / FLUSH_EVERY + 1) % syncEvery != 0)
                                {
                                    continue;
                                }
                                wal.sync();
                            }
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
        if (pruning)
        {
            Thread.ofPlatform().name("pruner").start(() -> prune(wal, ingest, cycle, started));
        }
        for (final Thread sender : senders)
        {
            sender.join();
        }
    }

    private static void prune(final ShardedWal wal, final Ingest ingest, final int cycle,
        final AtomicLongArray started)
    {
        try
        {
            for (int n = 0; ; n++)
            {
                Thread.sleep(PRUNE_EVERY_MILLIS);
                final String name = "c" + cycle + "-" + n;
                wal.createCheckpoint(name);
                final StringBuilder line = new StringBuilder("K");
                for (int t = 0; t < started.length(); t++)
                {
                    line.append(' ').append(started.get(t));
                }
                ChildOutput.line(line.toString());
                final IngestPruneResult pruned = ingest.pruneBefore(name);
                ChildOutput.line("P " + name + " " + pruned.pruned().segments() + " " + pruned.definitionsCarried());
            }
        }
        catch (final Throwable e)
        {
            ChildOutput.fail("pruner", e, 3);
        }
    }
}
