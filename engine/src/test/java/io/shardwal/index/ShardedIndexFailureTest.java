package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Adds and removals that run out of off-heap memory part way. Each add is tried with its 1st, 2nd, 3rd ... allocation
 * failing ({@link IndexShard#failAllocation}) until it needs fewer: after every failure the index must answer exactly
 * as {@link ReferenceIndex} without the series (queries, lookups, listings, counts, integrity), and the retry once the
 * fault is gone must succeed with the reference's id. The adds bring new strings, names and pairs, grow postings lists
 * across chunks, create bitmaps and take displaced ids, so every allocation step of an add fails at least once.
 */
class ShardedIndexFailureTest
{
    private static final String[] NAMES = {"__name__", "job", "instance", "a", "b", "zone", "\u00fc", "x.y"};

    @ParameterizedTest(name = "seed {0}, {1} shards, hash mask {2}, bitmaps from {3} entries")
    @CsvSource({
        "1, 1, -1, 4096",
        "2, 3, -1, 1",
        "3, 1, 0xC0000000000000FF, 8",
        "4, 2, -1, 8",
    })
    void shouldLeaveTheIndexAsItWasWhenAnAddRunsOutOfMemory(final long seed, final int shards, final String mask,
        final int bitmapMinEntries)
    {
        final long hashMask = mask.startsWith("0x") ? Long.parseUnsignedLong(mask.substring(2), 16) :
            Long.parseLong(mask);
        final SplittableRandom random = new SplittableRandom(seed);
        final IndexOptions options = IndexOptions.builder().shardCount(shards).bitmapMinEntries(bitmapMinEntries)
            .compactionMinRemoved(1 << 20).build();
        try (ShardedIndex index = new ShardedIndex(options, hashMask))
        {
            final ReferenceIndex reference = new ReferenceIndex(hashMask);
            final Map<Long, Labels> removed = new HashMap<>();
            final List<Long> known = new ArrayList<>();
            final TreeSet<String> names = new TreeSet<>(List.of(NAMES));
            for (int i = 0; i < 300; i++)
            {
                final Labels labels = ShardedIndexModelTest.randomLabels(random);
                if (!labels.isEmpty())
                {
                    known.add(reference.addSeries(labels));
                    index.addSeries(labels);
                }
            }
            final int[] failures = new int[1];
            for (int step = 0; step < 250; step++)
            {
                final int op = random.nextInt(10);
                if (op == 0 && !known.isEmpty())
                {
                    final long id = known.get(random.nextInt(known.size()));
                    if (reference.contains(id))
                    {
                        removed.put(id, reference.getLabels(id));
                        reference.removeSeries(id);
                        index.removeSeries(id);
                    }
                    continue;
                }
                if (op == 1 && !removed.isEmpty())
                {
                    final long id = removed.keySet().iterator().next();
                    final Labels labels = removed.remove(id);
                    if (reference.contains(id))
                    {
                        continue; // a colliding series took the id meanwhile
                    }
                    addUntilItFits(index, reference, names, random, labels, id, hashMask, failures);
                    continue;
                }
                final Labels labels = newLabels(random, step, names);
                known.add(addUntilItFits(index, reference, names, random, labels, 0, hashMask, failures));
            }
            assertTrue(failures[0] > 250, "adds failed part way " + failures[0] + " times");
            compare(index, reference, names, random, null, hashMask);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"1", "2"})
    void shouldRemoveEvenWhenTheRebuildRunsOutOfMemory(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final IndexOptions options = IndexOptions.builder().shardCount(1).bitmapMinEntries(8)
            .compactionMinRemoved(4).compactionRemovedRatio(0.05).build();
        try (ShardedIndex index = new ShardedIndex(options))
        {
            final ReferenceIndex reference = new ReferenceIndex(-1);
            final TreeSet<String> names = new TreeSet<>(List.of(NAMES));
            final List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 400; i++)
            {
                final Labels labels = newLabels(random, i, names);
                ids.add(reference.addSeries(labels));
                index.addSeries(labels);
            }
            int inPlace = 0;
            for (int k = 1; k < 200 && !ids.isEmpty(); k += 1 + random.nextInt(3))
            {
                final long id = ids.remove(random.nextInt(ids.size()));
                final Labels labels = reference.getLabels(id);
                final IndexStats before = index.stats();
                final long removed = before.removedSeries() + 1;
                final boolean due = removed >= 4 && removed >= 0.05 * (removed + before.series() - 1);
                index.shard(0).failAllocation(k, true);
                index.removeSeries(id); // must not throw: a rebuild that fails gives way to removing in place
                index.shard(0).failAllocation(0, false);
                reference.removeSeries(id);
                if (due)
                {
                    assertEquals(removed, index.stats().removedSeries(), "removed in place");
                    inPlace++;
                }
                compare(index, reference, names, random, k % 20 == 0 ? null : labels, -1);
            }
            assertTrue(inPlace > 10, "rebuilds that ran out of memory: " + inPlace);
            final long id = ids.remove(0);
            index.removeSeries(id);
            reference.removeSeries(id);
            assertEquals(0, index.stats().removedSeries(), "without the fault the next removal rebuilds");
            compare(index, reference, names, random, null, -1);
        }
    }

    /**
     * Adds {@code labels} (under {@code id} if not 0) with its k-th allocation failing for k = 1, 2, ... until it
     * succeeds; returns the id, counting the failed attempts in {@code failures[0]}.
     */
    private static long addUntilItFits(final ShardedIndex index, final ReferenceIndex reference,
        final TreeSet<String> names, final SplittableRandom random, final Labels labels, final long id,
        final long hashMask, final int[] failures)
    {
        for (int k = 1; ; k++)
        {
            final IndexStats before = index.stats();
            for (int s = 0; s < index.shardCount(); s++)
            {
                index.shard(s).failAllocation(k, false);
            }
            final long added;
            try
            {
                added = id == 0 ? index.addSeries(labels) : index.addSeries(id, labels);
            }
            catch (final IndexCapacityException e)
            {
                final String message = e.getMessage();
                assertTrue(message.startsWith("index shard ") && message.contains(labels.toString()) &&
                    message.contains("off-heap memory ran out"), message);
                disarm(index);
                assertCounts(before, index.stats());
                compare(index, reference, names, random, labels, hashMask);
                failures[0]++;
                continue;
            }
            disarm(index);
            assertEquals(id == 0 ? reference.addSeries(labels) : reference.addSeries(id, labels), added,
                () -> "id of " + labels);
            return added;
        }
    }

    private static void disarm(final ShardedIndex index)
    {
        for (int s = 0; s < index.shardCount(); s++)
        {
            index.shard(s).failAllocation(0, false);
        }
    }

    /**
     * Labels that bring something new now and then: a fresh value, a fresh name, or many labels, besides the model
     * test's mix of a few names and values (which grows long postings lists).
     */
    private static Labels newLabels(final SplittableRandom random, final int step, final TreeSet<String> names)
    {
        final Labels base = ShardedIndexModelTest.randomLabels(random);
        final Labels.Builder builder = Labels.builder();
        for (int i = 0; i < base.size(); i++)
        {
            builder.add(base.name(i), base.value(i));
        }
        builder.add("step", Integer.toString(step));
        if (random.nextInt(4) == 0)
        {
            final String name = "n" + random.nextInt(1000);
            names.add(name);
            builder.add(name, "v" + random.nextInt(3));
        }
        if (random.nextInt(8) == 0)
        {
            for (int i = 0; i < 40; i++)
            {
                final String name = "wide" + i;
                names.add(name);
                builder.add(name, Integer.toString(random.nextInt(1 + i)));
            }
        }
        names.add("step");
        return builder.build();
    }

    private static void assertCounts(final IndexStats expected, final IndexStats actual)
    {
        assertEquals(expected.series(), actual.series(), "series");
        assertEquals(expected.removedSeries(), actual.removedSeries(), "removed series");
        assertEquals(expected.labelPairs(), actual.labelPairs(), "label pairs");
        assertEquals(expected.strings(), actual.strings(), "strings");
        assertEquals(expected.postingsEntries(), actual.postingsEntries(), "postings entries");
    }

    /**
     * What the index answers, against the reference: everything if {@code failed} is null, else what the add of
     * {@code failed} that just failed could have touched (its labels' values, postings and candidate ids), plus the
     * integrity check of every structure and a random query.
     */
    private static void compare(final ShardedIndex index, final ReferenceIndex reference, final TreeSet<String> names,
        final SplittableRandom random, final Labels failed, final long hashMask)
    {
        index.checkIntegrity();
        assertEquals(reference.seriesCount(), index.seriesCount());
        assertEquals(reference.labelNames(), index.labelNames());
        compareQuery(index, reference, ShardedIndexModelTest.randomMatchers(random));
        if (failed == null)
        {
            for (final String name : names)
            {
                assertEquals(reference.labelValues(name), index.labelValues(name), name);
                compareQuery(index, reference, List.of(Matcher.regex(name, ".+")));
            }
            for (final long id : reference.findSeries(List.of(Matcher.regex("step", ".*"))))
            {
                assertEquals(reference.getLabels(id), index.getLabels(id));
            }
        }
        else
        {
            final List<Matcher> all = new ArrayList<>();
            for (int i = 0; i < failed.size(); i++)
            {
                final Matcher matcher = Matcher.equal(failed.name(i), failed.value(i));
                assertEquals(reference.labelValues(failed.name(i)), index.labelValues(failed.name(i)));
                compareQuery(index, reference, List.of(matcher));
                all.add(matcher);
            }
            compareQuery(index, reference, all);
            long candidate = SeriesIds.hash(failed) & hashMask;
            for (int k = 0; k < 4; k++)
            {
                assertEquals(reference.contains(candidate), index.contains(candidate));
                candidate = SeriesIds.next(candidate);
            }
        }
    }

    private static void compareQuery(final ShardedIndex index, final ReferenceIndex reference,
        final List<Matcher> matchers)
    {
        final long[] expected = reference.findSeries(matchers);
        final long[] actual = index.findSeries(matchers);
        if (expected.length != actual.length)
        {
            fail("query " + matchers + ": expected " + expected.length + " series, got " + actual.length);
        }
        assertArrayEquals(expected, actual, matchers::toString);
    }
}
