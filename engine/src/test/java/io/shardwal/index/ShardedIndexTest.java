package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ShardedIndexTest
{
    @Test
    void shouldReturnTheSameIdForTheSameLabelsWhateverTheirOrder()
    {
        try (ShardedIndex index = ShardedIndex.withShards(4))
        {
            final long id = index.addSeries(Labels.of("__name__", "up", "job", "node"));
            assertEquals(id, index.addSeries(Labels.of("job", "node", "__name__", "up")));
            assertEquals(SeriesIds.hash(Labels.of("job", "node", "__name__", "up")), id);
            assertEquals(1, index.seriesCount());
            assertNotEquals(id, index.addSeries(Labels.of("__name__", "up", "job", "other")));
        }
    }

    @Test
    void shouldReturnTheLabelsOfASeriesByteForByte()
    {
        try (ShardedIndex index = ShardedIndex.withShards(3))
        {
            final Labels labels = Labels.of("__name__", "\u00e9t\u00e9", "emoji", "\uD83D\uDE00", "nl", "a\nb",
                "long", "x".repeat(IndexDescriptor.MAX_STRING_BYTES));
            final long id = index.addSeries(labels);
            assertEquals(labels, index.getLabels(id));
            assertTrue(index.contains(id));
        }
    }

    @Test
    void shouldFindSeriesWithEachMatcherType()
    {
        try (ShardedIndex index = ShardedIndex.withShards(8))
        {
            final long a = index.addSeries(Labels.of("__name__", "http", "code", "200", "path", "/api"));
            final long b = index.addSeries(Labels.of("__name__", "http", "code", "500", "path", "/api/v2"));
            final long c = index.addSeries(Labels.of("__name__", "http", "code", "200"));
            final long d = index.addSeries(Labels.of("__name__", "cpu", "mode", "idle"));
            assertArrayEquals(sorted(a, c), index.findSeries(Matcher.equal("code", "200")));
            assertArrayEquals(sorted(b, d), index.findSeries(Matcher.notEqual("code", "200")),
                "!= also selects series without the label");
            assertArrayEquals(sorted(a, b), index.findSeries(Matcher.regex("path", "/api.*")));
            assertArrayEquals(sorted(c, d), index.findSeries(Matcher.notRegex("path", ".+")));
            assertArrayEquals(sorted(d), index.findSeries(Matcher.equal("code", "")));
            assertArrayEquals(sorted(a, b, c), index.findSeries(Matcher.equal("__name__", "http"),
                Matcher.regex("code", "2..|5..")));
            assertArrayEquals(sorted(b), index.findSeries(Matcher.equal("__name__", "http"),
                Matcher.notEqual("code", "200"), Matcher.regex("path", ".*v2")));
            assertArrayEquals(new long[0], index.findSeries(Matcher.equal("nope", "x")));
            assertArrayEquals(sorted(a, b, c, d), index.findSeries(Matcher.regex("__name__", ".*")));
        }
    }

    @Test
    void shouldReturnEachSeriesOnceWhenARegexRepeatsAnAlternative()
    {
        try (ShardedIndex index = ShardedIndex.withShards(1))
        {
            for (int i = 0; i < 100; i++)
            {
                index.addSeries(Labels.of("job", "web", "i", Integer.toString(i)));
            }
            // few matches among many series: the matched lists are concatenated and sorted, not merged in a bitmap
            final long api = index.addSeries(Labels.of("job", "api"));
            final long db = index.addSeries(Labels.of("job", "db"));
            assertArrayEquals(new long[] {api}, index.findSeries(Matcher.regex("job", "api|api")));
            assertArrayEquals(sorted(api, db), index.findSeries(Matcher.regex("job", "(?:api|db|api)")));
            assertArrayEquals(sorted(api, db), index.findSeries(Matcher.regex("job", "api|db|\\Qapi\\E")));
            assertArrayEquals(sorted(api, db), index.findSeries(Matcher.regex("job", "db|api|db"),
                Matcher.regex("i", "")));
        }
    }

    @Test
    void shouldFindEveryAlternativeOfARegexWithQuotes()
    {
        try (ShardedIndex index = ShardedIndex.withShards(2))
        {
            final long bar = index.addSeries(Labels.of("job", "bar"));
            final long fooParen = index.addSeries(Labels.of("job", "foo("));
            final long a = index.addSeries(Labels.of("job", "a"));
            final long ab = index.addSeries(Labels.of("job", "ab"));
            index.addSeries(Labels.of("job", "foo"));
            assertArrayEquals(sorted(bar, fooParen), index.findSeries(Matcher.regex("job", "foo\\Q(\\E|bar")));
            assertArrayEquals(sorted(bar, fooParen), index.findSeries(Matcher.regex("job", "foo\\Q(\\E|b.r")));
            assertArrayEquals(sorted(a, ab), index.findSeries(Matcher.regex("job", "ab\\Q\\E?")),
                "the ? after an empty quote makes the b optional");
        }
    }

    @Test
    void shouldSelectSeriesWithoutALabelWhenTheMatcherMatchesEmpty()
    {
        try (ShardedIndex index = ShardedIndex.withShards(2))
        {
            final long with = index.addSeries(Labels.of("job", "api", "env", "prod"));
            final long without = index.addSeries(Labels.of("job", "api"));
            final long other = index.addSeries(Labels.of("job", "api", "env", "dev"));
            assertArrayEquals(sorted(without, other), index.findSeries(Matcher.regex("env", "dev|")));
            assertArrayEquals(sorted(with, other), index.findSeries(Matcher.notRegex("env", "")));
            assertArrayEquals(sorted(with, without), index.findSeries(Matcher.notEqual("env", "dev")));
        }
    }

    @Test
    void shouldListLabelNamesAndValuesOfLiveSeries()
    {
        try (ShardedIndex index = ShardedIndex.withShards(4))
        {
            final long a = index.addSeries(Labels.of("__name__", "up", "job", "b"));
            index.addSeries(Labels.of("__name__", "up", "job", "a", "zone", "z1"));
            final long c = index.addSeries(Labels.of("__name__", "down", "team", "t"));
            assertEquals(List.of("__name__", "job", "team", "zone"), index.labelNames());
            assertEquals(List.of("a", "b"), index.labelValues("job"));
            assertEquals(List.of("down", "up"), index.labelValues("__name__"));
            assertEquals(List.of(), index.labelValues("nope"));
            index.removeSeries(c);
            index.removeSeries(a);
            assertEquals(List.of("__name__", "job", "zone"), index.labelNames());
            assertEquals(List.of("a"), index.labelValues("job"));
        }
    }

    @Test
    void shouldForgetRemovedSeriesAndAllowThemBack()
    {
        try (ShardedIndex index = ShardedIndex.withShards(2))
        {
            final Labels labels = Labels.of("a", "1");
            final long id = index.addSeries(labels);
            index.removeSeries(id);
            assertFalse(index.contains(id));
            assertArrayEquals(new long[0], index.findSeries(Matcher.equal("a", "1")));
            final IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> index.getLabels(id));
            assertEquals("unknown series id " + SeriesIds.toString(id), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> index.removeSeries(id));
            assertEquals(id, index.addSeries(labels));
            assertArrayEquals(new long[] {id}, index.findSeries(Matcher.equal("a", "1")));
        }
    }

    @Test
    void shouldRebuildAShardAfterManyRemovalsAndKeepEverySurvivor()
    {
        final IndexOptions options = IndexOptions.builder().shardCount(2).compactionMinRemoved(100).build();
        try (ShardedIndex index = new ShardedIndex(options))
        {
            final List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 5000; i++)
            {
                ids.add(index.addSeries(Labels.of("i", Integer.toString(i), "odd", Integer.toString(i % 2))));
            }
            final long usedBefore = index.stats().offHeapUsedBytes();
            for (int i = 0; i < 5000; i += 2)
            {
                index.removeSeries(ids.get(i));
            }
            final IndexStats stats = index.stats();
            assertEquals(2500, stats.series());
            // a shard rebuilds once a quarter of its records are removed ones
            assertTrue(stats.removedSeries() <= 2 * 2500 / 3, "removed records are dropped by rebuilds: " + stats);
            assertTrue(stats.offHeapUsedBytes() < usedBefore, stats + " vs " + usedBefore);
            final long[] odd = index.findSeries(Matcher.equal("odd", "1"));
            assertEquals(2500, odd.length);
            for (int i = 1; i < 5000; i += 2)
            {
                assertEquals(Labels.of("i", Integer.toString(i), "odd", "1"), index.getLabels(ids.get(i)));
            }
            assertEquals(List.of("1"), index.labelValues("odd"));
            index.checkIntegrity();
        }
    }

    @Test
    void shouldHandleListsLongerThanOneChunk()
    {
        try (ShardedIndex index = ShardedIndex.withShards(1))
        {
            final int n = 3 * IndexDescriptor.MAX_CHUNK_ENTRIES;
            final long[] tens = new long[n / 10];
            for (int i = 0; i < n; i++)
            {
                final long id = index.addSeries(Labels.of("job", "j", "i", Integer.toString(i),
                    "mod", Integer.toString(i % 10)));
                if (i % 10 == 3)
                {
                    tens[i / 10] = id;
                }
            }
            Arrays.sort(tens);
            assertArrayEquals(tens, index.findSeries(Matcher.equal("job", "j"), Matcher.equal("mod", "3")));
            assertEquals(n - n / 10, index.findSeries(Matcher.equal("job", "j"), Matcher.notEqual("mod", "3")).length);
            assertEquals(n / 10 * 2, index.findSeries(Matcher.regex("mod", "3|4")).length);
            assertEquals(n, index.findSeries(Matcher.regex("i", ".+")).length);
            index.checkIntegrity();
        }
    }

    @Test
    void shouldReplayRecordedIdsIncludingAnIdMovedByACollision()
    {
        try (ShardedIndex index = ShardedIndex.withShards(4))
        {
            final Labels labels = Labels.of("a", "1");
            final long hash = SeriesIds.hash(labels);
            final long moved = SeriesIds.next(SeriesIds.next(hash));
            assertEquals(moved, index.addSeries(moved, labels), "a replayed id is kept as recorded");
            assertEquals(moved, index.addSeries(labels), "later adds find the labels at their recorded id");
            assertEquals(moved, index.addSeries(moved, labels));
            final IllegalArgumentException elsewhere =
                assertThrows(IllegalArgumentException.class, () -> index.addSeries(hash, labels));
            assertTrue(elsewhere.getMessage().contains("already indexed as series"), elsewhere.getMessage());
            final IllegalArgumentException foreign =
                assertThrows(IllegalArgumentException.class, () -> index.addSeries(hash ^ (1L << 50), labels));
            assertTrue(foreign.getMessage().contains("cannot belong to {a=\"1\"}"), foreign.getMessage());
        }
    }

    @Test
    void shouldNeverMergeLabelSetsWhoseHashesCollide()
    {
        // a mask of 0 gives every label set the same hash
        try (ShardedIndex index = new ShardedIndex(IndexOptions.builder().shardCount(4).build(), 0L))
        {
            final long[] ids = new long[SeriesIds.MAX_CANDIDATES];
            for (int i = 0; i < ids.length; i++)
            {
                ids[i] = index.addSeries(Labels.of("i", Integer.toString(i)));
                assertEquals(i, ids[i], "the k-th colliding label set gets candidate k");
            }
            for (int i = 0; i < ids.length; i++)
            {
                assertEquals(Labels.of("i", Integer.toString(i)), index.getLabels(ids[i]));
                assertEquals(ids[i], index.addSeries(Labels.of("i", Integer.toString(i))));
            }
            final IllegalStateException full = assertThrows(IllegalStateException.class,
                () -> index.addSeries(Labels.of("i", "one too many")));
            assertTrue(full.getMessage().contains("already share the hash"), full.getMessage());
            index.removeSeries(ids[3]);
            assertEquals(3, index.addSeries(Labels.of("i", "fills the hole")));
            assertEquals(7, index.addSeries(Labels.of("i", "7")), "found past the hole");
        }
    }

    @Test
    void shouldTellPairsOfTwoIndexesAndCollidingSetsApartOnOneThread()
    {
        // one thread's encoding cache remembers pair ids per shard storage: the same strings get different pair ids
        // in two indexes, and a colliding set that shares all but one label must still be told apart
        try (ShardedIndex a = new ShardedIndex(IndexOptions.builder().shardCount(1).build(), 0L);
            ShardedIndex b = new ShardedIndex(IndexOptions.builder().shardCount(1).build(), 0L))
        {
            final Labels first = Labels.of("__name__", "up", "job", "node", "host", "h1");
            final Labels second = Labels.of("__name__", "up", "job", "node", "host", "h2");
            final Labels other = Labels.of("job", "node", "zone", "z");
            b.addSeries(other);
            final long a1 = a.addSeries(first);
            final long b2 = b.addSeries(second);
            final long a2 = a.addSeries(second);
            final long b1 = b.addSeries(first);
            for (int round = 0; round < 3; round++)
            {
                assertEquals(a1, a.addSeries(Labels.of("host", "h1", "job", "node", "__name__", "up")));
                assertEquals(b2, b.addSeries(second));
                assertEquals(a2, a.addSeries(second));
                assertEquals(b1, b.addSeries(first));
            }
            assertEquals(List.of(0L, 1L), List.of(a1, a2), "a mask of 0: the second set is a collision");
            assertEquals(2, a.seriesCount());
            assertEquals(3, b.seriesCount());
            assertEquals(first, a.getLabels(a1));
            assertEquals(second, b.getLabels(b2));
            a.checkIntegrity();
            b.checkIntegrity();
        }
    }

    @Test
    void shouldRejectBadInputWithClearErrors()
    {
        try (ShardedIndex index = ShardedIndex.withShards(2))
        {
            final IllegalArgumentException empty =
                assertThrows(IllegalArgumentException.class, () -> index.addSeries(Labels.of("a", "")));
            assertEquals("a series needs at least one label with a non-empty value, got {}", empty.getMessage());
            assertThrows(IllegalArgumentException.class, () -> index.addSeries(Labels.EMPTY));
            assertThrows(IllegalArgumentException.class, () -> index.addSeries(null));
            final IllegalArgumentException surrogate = assertThrows(IllegalArgumentException.class,
                () -> index.addSeries(Labels.of("k", "\uDC00")));
            assertTrue(surrogate.getMessage().contains("lone surrogate"), surrogate.getMessage());
            final IllegalArgumentException noMatcher =
                assertThrows(IllegalArgumentException.class, () -> index.findSeries(List.of()));
            assertEquals("findSeries needs at least one matcher", noMatcher.getMessage());
            assertThrows(IllegalArgumentException.class, () -> index.findSeries(Arrays.asList((Matcher)null)));
            final IllegalArgumentException nullMatcher = assertThrows(IllegalArgumentException.class,
                () -> index.findSeries(Matcher.equal("a", "1"), null));
            assertEquals("matcher 1 is null", nullMatcher.getMessage());
            final IllegalArgumentException nullList =
                assertThrows(IllegalArgumentException.class, () -> index.findSeries((List<Matcher>)null));
            assertEquals("findSeries needs at least one matcher, got null", nullList.getMessage());
            final IllegalArgumentException unknown =
                assertThrows(IllegalArgumentException.class, () -> index.getLabels(42));
            assertEquals("unknown series id 0x000000000000002a", unknown.getMessage());
            assertThrows(IllegalArgumentException.class, () -> index.removeSeries(42));
            assertThrows(IllegalArgumentException.class, () -> index.labelValues(""));
            final Labels many = manyLabels(IndexDescriptor.MAX_LABELS + 1);
            final IllegalArgumentException tooMany =
                assertThrows(IllegalArgumentException.class, () -> index.addSeries(many));
            assertEquals("a series has at most 4096 labels, got 4097", tooMany.getMessage());
            final Labels most = manyLabels(IndexDescriptor.MAX_LABELS);
            assertEquals(most, index.getLabels(index.addSeries(most)));
        }
    }

    @Test
    void shouldMatchNothingForStringsThatCannotBeStored()
    {
        try (ShardedIndex index = ShardedIndex.withShards(2))
        {
            final long id = index.addSeries(Labels.of("a", "?"));
            assertArrayEquals(new long[0], index.findSeries(Matcher.equal("a", "\uD800")));
            assertArrayEquals(new long[] {id}, index.findSeries(Matcher.notEqual("a", "\uD800")));
            // RE2 refuses a regex with a lone surrogate (invalid UTF-8) rather than match the stored "?" with it
            assertThrows(IllegalArgumentException.class, () -> Matcher.regex("a", "\uD800.*"));
        }
    }

    @Test
    void shouldFailEveryCallAfterCloseAndCloseIdempotently()
    {
        final ShardedIndex index = ShardedIndex.withShards(3);
        final long id = index.addSeries(Labels.of("a", "1"));
        index.close();
        index.close();
        final IllegalStateException closed =
            assertThrows(IllegalStateException.class, () -> index.addSeries(Labels.of("a", "2")));
        assertTrue(closed.getMessage().startsWith("the index is closed"), closed.getMessage());
        assertThrows(IllegalStateException.class, () -> index.addSeries(id, Labels.of("a", "1")));
        assertThrows(IllegalStateException.class, () -> index.findSeries(Matcher.equal("a", "1")));
        assertThrows(IllegalStateException.class, () -> index.getLabels(id));
        assertThrows(IllegalStateException.class, () -> index.removeSeries(id));
        assertThrows(IllegalStateException.class, index::labelNames);
        assertThrows(IllegalStateException.class, () -> index.labelValues("a"));
        assertThrows(IllegalStateException.class, index::stats);
    }

    @Test
    void shouldReportStatsAndLockWaits()
    {
        try (ShardedIndex index = ShardedIndex.withShards(4))
        {
            for (int i = 0; i < 1000; i++)
            {
                index.addSeries(Labels.of("__name__", "m" + (i % 10), "i", Integer.toString(i)));
            }
            index.findSeries(Matcher.equal("__name__", "m1"));
            final IndexStats stats = index.stats();
            assertEquals(4, stats.shards());
            assertEquals(1000, stats.series());
            assertEquals(2000, stats.postingsEntries());
            assertTrue(stats.offHeapUsedBytes() > 1000 * 40 && stats.offHeapUsedBytes() <= stats.offHeapReservedBytes(),
                stats.toString());
            // the maps of 1000 series plus a fixed 48 KiB pair cache per shard
            assertTrue(stats.heapBytes() > 0 && stats.heapBytes() < 400_000, stats.toString());
            final LockWaits waits = index.lockWaits();
            assertEquals(4, waits.readers().size());
            final Histogram writers = waits.allWriters();
            assertEquals(1000, writers.getTotalCount(), "one write lock per new series");
            assertTrue(waits.allReaders().getTotalCount() >= 1000 + 4, "read lock per add attempt and query");
            assertEquals(0, index.lockWaits().allWriters().getTotalCount(), "intervals reset");
        }
    }

    private static Labels manyLabels(final int count)
    {
        final Labels.Builder builder = Labels.builder();
        for (int i = 0; i < count; i++)
        {
            builder.add("n" + i, "v");
        }
        return builder.build();
    }

    private static long[] sorted(final long... ids)
    {
        final long[] copy = ids.clone();
        Arrays.sort(copy);
        return copy;
    }
}
