package io.shardwal.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.shardwal.index.Labels;
import io.shardwal.index.SeriesIds;
import io.shardwal.index.ShardedIndex;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.PruneGuard;
import io.shardwal.wal.PruneResult;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/** A prune of an ingest log leaves no sample without its series. */
class IngestPruneTest
{
    private static final int SERIES = 200;
    private static final int SEGMENT_SIZE = 1 << 16;

    @TempDir
    Path dir;

    private ShardedWal openWal()
    {
        return ShardedWal.open(WalOptions.builder(dir).shardCount(2).segmentSize(SEGMENT_SIZE)
            .syncMode(SyncMode.BATCH_ONLY).build());
    }

    private static Ingest openIngest(final ShardedWal wal, final ShardedIndex index)
    {
        return Ingest.open(wal, index, IngestOptions.builder().serializers(1).maxSignalsInBatch(64)
            .flushFrequency(Duration.ofHours(1)).build());
    }

    private static Labels series(final int i)
    {
        return Labels.of("__name__", "temperature", "sensor", "s" + i, "room", "r" + (i % 9));
    }

    /** Sends one sample of every series per round, with the round as time and value, and flushes. */
    private static void sendRounds(final Ingest ingest, final int from, final int to)
    {
        for (int round = from; round < to; round++)
        {
            for (int i = 0; i < SERIES; i++)
            {
                ingest.send(series(i), round, round);
            }
        }
        ingest.flush();
    }

    @FunctionalInterface
    private interface PruneStep
    {
        void prune(Ingest ingest, ShardedWal wal, ShardedIndex index);
    }

    /**
     * Writes 40 rounds (every series defined in the first, the definitions in each shard's first segment), a
     * checkpoint, then 5 rounds more; {@code prune} then prunes before the checkpoint.
     */
    private void writeAndPrune(final PruneStep prune)
    {
        try (ShardedWal wal = openWal(); ShardedIndex index = ShardedIndex.withShards(2);
            Ingest ingest = openIngest(wal, index))
        {
            sendRounds(ingest, 0, 40);
            wal.createCheckpoint("c1");
            sendRounds(ingest, 40, 45);
            prune.prune(ingest, wal, index);
            for (int shard = 0; shard < wal.shardCount(); shard++)
            {
                assertTrue(wal.firstPosition(shard) >= SEGMENT_SIZE, "shard " + shard + " lost its first segment");
            }
        }
    }

    /** What a replay of the log delivered: samples per series id, and how many had no definition. */
    private record Replayed(Map<Long, Integer> samples, long orphans)
    {
    }

    /** Replays the log into a new index and checks that every series it defines has the labels of its id. */
    private Replayed replay()
    {
        final Map<Long, Integer> samples = new ConcurrentHashMap<>();
        try (ShardedWal wal = ShardedWal.openReadOnly(dir); ShardedIndex index = ShardedIndex.withShards(2))
        {
            final IngestReplay.Result result = IngestReplay.replay(wal, index,
                (shard, position, id, time, value) -> samples.merge(id, 1, Integer::sum), 2);
            for (final long id : samples.keySet())
            {
                if (index.contains(id))
                {
                    assertEquals(id, SeriesIds.hash(index.getLabels(id)), "labels replayed for " + id);
                }
            }
            return new Replayed(samples, result.orphanSamples());
        }
    }

    private static Map<Long, Integer> ids()
    {
        final Map<Long, Integer> ids = new HashMap<>();
        for (int i = 0; i < SERIES; i++)
        {
            ids.put(SeriesIds.hash(series(i)), i);
        }
        return ids;
    }

    @Test
    void shouldKeepTheSeriesOfEverySampleLeftAfterAPrune()
    {
        final AtomicLong carried = new AtomicLong();
        writeAndPrune((ingest, wal, index) ->
        {
            final IngestPruneResult result = ingest.pruneBefore("c1");
            assertTrue(result.pruned().segments() >= 2, result.toString());
            assertEquals(0, result.definitionsDropped());
            carried.set(result.definitionsCarried());
        });
        assertEquals(SERIES, carried.get(), "every series was defined in a deleted segment");
        final Replayed replayed = replay();
        assertEquals(0, replayed.orphans(), "samples without a definition in the log");
        final Map<Long, Integer> samples = replayed.samples();
        assertEquals(ids().keySet(), samples.keySet(), "every series still has samples above the checkpoint");
        for (final Map.Entry<Long, Integer> entry : samples.entrySet())
        {
            assertTrue(entry.getValue() >= 5, "the rounds after the checkpoint of " + entry.getKey());
        }
    }

    @Test
    void shouldRefuseAPlainPruneOfTheLogItGuards()
    {
        writeAndPrune((ingest, wal, index) ->
        {
            final long first = wal.firstPosition(0);
            final IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> wal.pruneBefore("c1".getBytes(StandardCharsets.UTF_8)));
            assertTrue(refused.getMessage().contains("guarded against plain prunes by its owner \"ingest\"")
                && refused.getMessage().contains(PruneGuard.FILE_NAME)
                && refused.getMessage().contains("Ingest.pruneBefore"), refused.getMessage());
            assertEquals(first, wal.firstPosition(0), "nothing was deleted");
            assertThrows(IllegalStateException.class,
                () -> wal.pruneBefore("c1".getBytes(StandardCharsets.UTF_8), "someone-else"));
            assertTrue(ingest.pruneBefore("c1").pruned().segments() >= 2, "the owner's prune deletes");
        });
        // The guard is on disk: a later process that opens only the log is refused too.
        try (ShardedWal wal = openWal())
        {
            assertEquals(Ingest.GUARD_OWNER, PruneGuard.read(dir).orElseThrow().owner());
            assertThrows(IllegalStateException.class, () -> wal.pruneBefore("c1".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void shouldLeaveSamplesWithoutTheirSeriesWhenTheLogIsPrunedDirectly()
    {
        // What pruneBefore of the ingest prevents, and what the guard refuses unless its owner is named: the log's
        // own prune deletes the only definitions.
        writeAndPrune((ingest, wal, index) -> assertTrue(
            wal.pruneBefore("c1".getBytes(StandardCharsets.UTF_8), Ingest.GUARD_OWNER).segments() >= 2));
        final AtomicLong orphans = new AtomicLong();
        try (ShardedWal wal = ShardedWal.openReadOnly(dir); ShardedIndex index = ShardedIndex.withShards(2))
        {
            orphans.set(IngestReplay.replay(wal, index, null, 1).orphanSamples());
            assertEquals(0, index.seriesCount(), "no definition is left");
        }
        assertTrue(orphans.get() >= 5L * SERIES, "orphans: " + orphans.get());
    }

    @Test
    void shouldCarryDefinitionsAgainOnEveryPrune()
    {
        try (ShardedWal wal = openWal(); ShardedIndex index = ShardedIndex.withShards(2);
            Ingest ingest = openIngest(wal, index))
        {
            sendRounds(ingest, 0, 40);
            wal.createCheckpoint("c1");
            sendRounds(ingest, 40, 45);
            assertEquals(SERIES, ingest.pruneBefore("c1").definitionsCarried());
            // The first prune's copies now sit below c2: the second prune deletes them and writes them again.
            sendRounds(ingest, 45, 85);
            wal.createCheckpoint("c2");
            final IngestPruneResult second = ingest.pruneBefore("c2");
            assertEquals(SERIES, second.definitionsCarried());
            assertTrue(second.pruned().segments() >= 2, second.toString());
            assertEquals(new IngestPruneResult(0, 0, new PruneResult(0, 0)), ingest.pruneBefore("c2"),
                "nothing left below c2");
            sendRounds(ingest, 85, 86);
        }
        final Replayed replayed = replay();
        assertEquals(0, replayed.orphans());
        assertEquals(ids().keySet(), replayed.samples().keySet());
    }

    @Test
    void shouldNotCarryTheDefinitionOfARemovedSeries()
    {
        final long removed = SeriesIds.hash(series(7));
        writeAndPrune((ingest, wal, index) ->
        {
            // The index the ingest writes into is the one its prune asks which series are still there.
            index.removeSeries(removed);
            final IngestPruneResult result = ingest.pruneBefore("c1");
            assertEquals(SERIES - 1, result.definitionsCarried());
            assertEquals(1, result.definitionsDropped());
        });
        final Replayed replayed = replay();
        final int left = replayed.samples().get(removed);
        assertTrue(left >= 5, "its samples above the checkpoint are delivered: " + left);
        assertEquals(left, replayed.orphans(), "the removed series' samples, and only those, are orphans");
    }

    @Test
    void shouldRefuseUnknownCheckpointsForeignRecordsAndAClosedIngestAndDeleteNothing()
    {
        try (ShardedWal wal = openWal(); ShardedIndex index = ShardedIndex.withShards(2))
        {
            final Ingest ingest = openIngest(wal, index);
            sendRounds(ingest, 0, 40);
            wal.append(new byte[] {1, 2, 3}, new byte[] {4});
            sendRounds(ingest, 40, 80);
            wal.createCheckpoint("c1");

            final ShardwalException unknown = assertThrows(ShardwalException.class, () -> ingest.pruneBefore("c9"));
            assertEquals(ShardwalException.Category.NOT_FOUND, unknown.category());
            assertTrue(unknown.getMessage().contains("c9"), unknown.getMessage());

            final ShardwalException foreign = assertThrows(ShardwalException.class, () -> ingest.pruneBefore("c1"));
            assertEquals(ShardwalException.Category.FORMAT, foreign.category());
            assertTrue(foreign.getMessage().matches("(?s).*shard \\d position \\d+ is not an ingest record: it has a "
                + "3-byte key and a 1-byte value.*"), foreign.getMessage());
            for (int shard = 0; shard < wal.shardCount(); shard++)
            {
                assertEquals(0, wal.firstPosition(shard), "shard " + shard + " was pruned");
            }

            ingest.close();
            final IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> ingest.pruneBefore("c1"));
            assertEquals("the ingest into " + dir + " is closed", closed.getMessage());
        }
    }
}
