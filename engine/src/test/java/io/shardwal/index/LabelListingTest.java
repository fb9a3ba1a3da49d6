package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Label listings at a snapshot S, as a reader sees them when it read the counter before writers carried on: a name or
 * value is listed iff a series visible at S (added at or before S, not removed at or before S) carries it, whatever
 * was added or removed after S. Every add of a new series and every removal takes the next number, from 1.
 */
class LabelListingTest
{
    private static final String[] JOBS = {"api", "web", "db"};

    @Test
    void shouldNotListAValueWhoseSeriesWereAllRemovedAtTheSnapshotThoughOneWasAddedAfterIt()
    {
        try (ShardedIndex index = ShardedIndex.withShards(1))
        {
            final long api = index.addSeries(Labels.of("job", "api", "i", "1")); // 1: creates job=api
            index.addSeries(Labels.of("job", "web", "i", "2")); // 2
            index.removeSeries(api); // 3: job=api has no series left
            index.addSeries(Labels.of("job", "api", "i", "3")); // 4: after a reader read 3
            assertEquals(List.of("web"), valuesAt(index, "job", 3));
            assertEquals(List.of("api", "web"), index.labelValues("job"));
        }
    }

    @Test
    void shouldNotListANameWhoseSeriesWereAllRemovedAtTheSnapshotThoughOneWasAddedAfterIt()
    {
        try (ShardedIndex index = ShardedIndex.withShards(1))
        {
            final long api = index.addSeries(Labels.of("job", "api", "zone", "x")); // 1
            index.addSeries(Labels.of("job", "web")); // 2
            index.removeSeries(api); // 3: no series has a zone
            index.addSeries(Labels.of("job", "web", "zone", "x")); // 4
            assertEquals(List.of("job"), namesAt(index, 3));
            assertEquals(List.of("job", "zone"), index.labelNames());
        }
    }

    @Test
    void shouldListAValueAndANameWhoseOnlySeriesWasRemovedAfterTheSnapshot()
    {
        try (ShardedIndex index = ShardedIndex.withShards(1))
        {
            final long api = index.addSeries(Labels.of("job", "api", "zone", "x")); // 1
            index.addSeries(Labels.of("job", "web")); // 2
            index.removeSeries(api); // 3: after a reader read 2
            assertEquals(List.of("api", "web"), valuesAt(index, "job", 2));
            assertEquals(List.of("job", "zone"), namesAt(index, 2));
            assertEquals(List.of("web"), index.labelValues("job"));
            assertEquals(List.of("job"), index.labelNames());
        }
    }

    @Test
    void shouldRefuseASnapshotOlderThanARebuildThatDroppedSeriesVisibleAtIt()
    {
        final IndexOptions options =
            IndexOptions.builder().shardCount(1).compactionMinRemoved(1).compactionRemovedRatio(0.01).build();
        try (ShardedIndex index = new ShardedIndex(options))
        {
            final long api = index.addSeries(Labels.of("job", "api", "zone", "x")); // 1
            index.addSeries(Labels.of("job", "web")); // 2
            index.removeSeries(api); // 3: the shard rebuilds without series 1, which was visible at 2
            assertEquals(0, index.stats().removedSeries(), "rebuilt");
            final List<String> out = new ArrayList<>();
            final IndexShard shard = index.shard(0);
            assertFalse(shard.collectLabelValues("job", Query.encode("job"), LabelBytes.hash32("job"), out, 2));
            assertFalse(shard.collectLabelNames(out, 2));
            assertEquals(List.of(), out, "a refused snapshot lists nothing");
            assertEquals(List.of("web"), index.labelValues("job"), "a listing starts again at a newer snapshot");
            assertEquals(List.of("job"), index.labelNames());
            assertEquals(List.of("web"), valuesAt(index, "job", 3));
        }
    }

    /**
     * Random adds and removals over two shards against a model of the live series after each numbered operation;
     * after each operation the shards are listed at the last few snapshots, and at the end at every snapshot. With
     * rebuilds a snapshot older than one may be refused (and the index would start again), but a listing that answers
     * is exact, and the latest snapshot is always answered.
     */
    @ParameterizedTest(name = "rebuild after {0} removals")
    @ValueSource(ints = {1_000_000, 4})
    void shouldListExactlyTheLabelsOfTheSeriesVisibleAtEverySnapshot(final int compactionMinRemoved)
    {
        final IndexOptions options = IndexOptions.builder().shardCount(2).compactionMinRemoved(compactionMinRemoved)
            .compactionRemovedRatio(0.1).build();
        final boolean rebuilds = compactionMinRemoved < 1_000_000;
        final SplittableRandom random = new SplittableRandom(11);
        try (ShardedIndex index = new ShardedIndex(options))
        {
            final Map<Long, Labels> live = new HashMap<>();
            final List<Long> liveIds = new ArrayList<>();
            final List<List<String>> names = new ArrayList<>(List.of(List.of()));
            final List<List<String>> jobs = new ArrayList<>(List.of(List.of()));
            int answered = 0;
            for (int step = 0; step < 600; step++)
            {
                if (random.nextInt(100) < 60 || liveIds.isEmpty())
                {
                    final String job = JOBS[random.nextInt(JOBS.length)];
                    final Labels labels = random.nextBoolean() ?
                        Labels.of("job", job, "i", Integer.toString(random.nextInt(30))) :
                        Labels.of("job", job, "zone", Integer.toString(random.nextInt(3)));
                    final long id = index.addSeries(labels);
                    if (live.put(id, labels) != null)
                    {
                        continue; // known: no new number
                    }
                    liveIds.add(id);
                }
                else
                {
                    final long id = liveIds.remove(random.nextInt(liveIds.size()));
                    index.removeSeries(id);
                    live.remove(id);
                }
                record(live, names, jobs);
                answered += checkSnapshots(index, names, jobs, Math.max(0, names.size() - 8), rebuilds);
            }
            assertTrue(answered > 2 * names.size(), answered + " listings answered over " + names.size() + " snapshots");
            checkSnapshots(index, names, jobs, 0, rebuilds);
            assertEquals(names.getLast(), index.labelNames());
            assertEquals(jobs.getLast(), index.labelValues("job"));
            index.checkIntegrity();
        }
    }

    /** Appends the label names and the values of job of the {@code live} series. */
    private static void record(final Map<Long, Labels> live, final List<List<String>> names,
        final List<List<String>> jobs)
    {
        final TreeSet<String> nameSet = new TreeSet<>();
        final TreeSet<String> jobSet = new TreeSet<>();
        for (final Labels labels : live.values())
        {
            for (int l = 0; l < labels.size(); l++)
            {
                nameSet.add(labels.name(l));
            }
            jobSet.add(labels.get("job"));
        }
        names.add(List.copyOf(nameSet));
        jobs.add(List.copyOf(jobSet));
    }

    /** Checks the listings at snapshots {@code from} to the latest; returns how many were answered. */
    private static int checkSnapshots(final ShardedIndex index, final List<List<String>> names,
        final List<List<String>> jobs, final int from, final boolean rebuilds)
    {
        final int latest = names.size() - 1;
        int answered = 0;
        for (int snapshot = from; snapshot <= latest; snapshot++)
        {
            final List<String> namesAtSnapshot = listAt(index, snapshot, null);
            final List<String> jobsAtSnapshot = listAt(index, snapshot, "job");
            if (namesAtSnapshot != null && jobsAtSnapshot != null)
            {
                assertEquals(names.get(snapshot), namesAtSnapshot, "label names at " + snapshot);
                assertEquals(jobs.get(snapshot), jobsAtSnapshot, "values of job at " + snapshot);
                answered++;
            }
            else
            {
                assertTrue(rebuilds && snapshot < latest, "only a snapshot older than a rebuild is refused: " +
                    snapshot + " of " + latest);
            }
        }
        return answered;
    }

    private static List<String> valuesAt(final ShardedIndex index, final String name, final long snapshot)
    {
        final List<String> values = listAt(index, snapshot, name);
        assertTrue(values != null, "snapshot " + snapshot + " refused");
        return values;
    }

    private static List<String> namesAt(final ShardedIndex index, final long snapshot)
    {
        final List<String> names = listAt(index, snapshot, null);
        assertTrue(names != null, "snapshot " + snapshot + " refused");
        return names;
    }

    /** Label names ({@code name} null) or the values of {@code name} at {@code snapshot}, sorted; null if refused. */
    private static List<String> listAt(final ShardedIndex index, final long snapshot, final String name)
    {
        final TreeSet<String> out = new TreeSet<>();
        for (int i = 0; i < index.shardCount(); i++)
        {
            final IndexShard shard = index.shard(i);
            final boolean answered = name == null ? shard.collectLabelNames(out, snapshot) :
                shard.collectLabelValues(name, Query.encode(name), LabelBytes.hash32(name), out, snapshot);
            if (!answered)
            {
                return null;
            }
        }
        return List.copyOf(out);
    }
}
