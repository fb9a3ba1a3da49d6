package io.shardwal.nativetests;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import io.shardwal.index.ShardedIndex;
import io.shardwal.ingest.Ingest;
import io.shardwal.ingest.IngestOptions;
import io.shardwal.ingest.IngestPruneResult;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;

/**
 * Child JVM for {@link PruneCarryPowerLossTest}: one prune whose carried definitions nothing but the prune's own
 * sync can make durable. It opens a new ASYNC log in {@code dir} (the segments of a pruning {@link IngestingChild},
 * and a background sync interval of an hour, so the syncer never runs) and prints {@code OPENED}; sends sample
 * {@code seq} of {@link IngestingChild#series} (thread 0, run 0) for {@code seq} below {@link #DEFINED}, which
 * defines every series in the first segments, then up to {@link #BEFORE_CHECKPOINT}, which fills several segments
 * past them, flushing and syncing after each stretch; creates the checkpoint {@link #CHECKPOINT}; sends and syncs
 * the samples up to {@link #TOTAL} (each series once more, above the checkpoint) and prints {@code SYNCED <n>}:
 * every sample so far is durable. Then it prunes before the checkpoint, prints {@code PRUNED <segments deleted>
 * <definitions carried>}, and parks without syncing again, so that a power cut finds the prune's deletions and
 * only what the prune itself synced. Anything unexpected prints {@code X ...} and exits 3.
 */
public final class PruneCarryChild
{
    static final String CHECKPOINT = "c";
    /** Samples that define the series: one of each. */
    static final int DEFINED = IngestingChild.SERIES_PER_THREAD;
    /** Samples below the checkpoint: enough for several 16 KiB segments per shard past the definitions. */
    static final int BEFORE_CHECKPOINT = 4_000;
    /** Every sample sent; those from {@link #BEFORE_CHECKPOINT} on lie above the checkpoint. */
    static final int TOTAL = BEFORE_CHECKPOINT + DEFINED;

    private PruneCarryChild()
    {
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
            ChildOutput.fail("prune carry", t, 3);
        }
    }

    private static void run(final ChildArgs args)
    {
        final ShardedWal wal = ShardedWal.open(IngestingChild.options(args.path("dir"), SyncMode.ASYNC, true)
            .toBuilder().syncInterval(Duration.ofHours(1)).build());
        ChildOutput.line("OPENED");
        final ShardedIndex index = ShardedIndex.withShards(2);
        final Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().serializers(2).maxSignalsInBatch(64)
            .flushFrequency(Duration.ofMillis(5)).build());
        sendAndSync(ingest, wal, 0, DEFINED);
        sendAndSync(ingest, wal, DEFINED, BEFORE_CHECKPOINT);
        wal.createCheckpoint(CHECKPOINT);
        sendAndSync(ingest, wal, BEFORE_CHECKPOINT, TOTAL);
        ChildOutput.line("SYNCED " + TOTAL);
        final IngestPruneResult pruned = ingest.pruneBefore(CHECKPOINT);
        ChildOutput.line("PRUNED " + pruned.pruned().segments() + " " + pruned.definitionsCarried());
        while (true)
        {
            LockSupport.park();
        }
    }

    /** Sends samples {@code from} (inclusive) to {@code to}, flushes, and makes them durable. */
    private static void sendAndSync(final Ingest ingest, final ShardedWal wal, final int from, final int to)
    {
        for (int seq = from; seq < to; seq++)
        {
            ingest.send(IngestingChild.series(0, seq), IngestingChild.time(0, seq), IngestingChild.value(0, seq));
        }
        ingest.flush();
        wal.sync();
    }
}
