package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Random label sets, removals, replays and random matchers against {@link ReferenceIndex}, a brute-force scan with
 * freshly compiled regexes. Every query, label listing and lookup must agree exactly, across shard counts, with forced
 * hash collisions (a masked hash) and with shard rebuilds after removals happening all the time.
 */
class ShardedIndexModelTest
{
    private static final String[] NAMES = {"__name__", "job", "instance", "a", "b", "zone", "\u00fc", "x.y"};
    private static final String[] VALUES = {
        "", "0", "1", "10", "api", "api-v2", "web", "API", "\u03b1", "\u03b1\u03b2", "\uD83D\uDE00x", "a\nb",
        "\"q\"", "foo.bar", "fooXbar", "prefix_1", "prefix_22", "prefix_", "p", "back\\slash", "very-long-value-" +
        "0123456789012345678901234567890123456789012345678901234567890123456789",
    };
    private static final String[] REGEXES = {
        ".*", ".+", "", "api", "api|web", "(api|web)", "(?:api|)", "a.*", "prefix_.*", "prefix_\\d+", "p.*_2+",
        ".*1", "[a-z]+", "api.*|web", "(?i)API", "1|10|", "\u03b1.*", "\uD83D\uDE00.*", "a.b", "\\Qfoo.bar\\E",
        "foo\\.bar", "fo+.*", "f?oo.*", "prefix_1*", "prefix_(1|22)", "(prefix|api).*", "[0-9]*", "x|", ".*a.*",
        "very-long.*",
    };

    /** Bitmap thresholds of 1 and 8 give dense pairs bitmaps early, drop them as the shard grows and recreate them. */
    @ParameterizedTest(name = "seed {0}, {1} shards, hash mask {2}, bitmaps from {3} entries")
    @CsvSource({
        "1, 1, -1, 4096",
        "2, 3, -1, 4096",
        "3, 16, -1, 4096",
        "4, 1, 0xC0000000000003FF, 4096",
        "5, 4, 0xC0000000000003FF, 4096",
        "6, 16, 0xC0000000000001FF, 4096",
        "7, 1, -1, 1",
        "8, 3, -1, 8",
        "9, 4, 0xC0000000000003FF, 1",
    })
    void shouldAgreeWithTheReferenceModelOnRandomOperations(final long seed, final int shards, final String mask,
        final int bitmapMinEntries)
    {
        final long hashMask = mask.startsWith("0x") ? Long.parseUnsignedLong(mask.substring(2), 16) : Long.parseLong(mask);
        final SplittableRandom random = new SplittableRandom(seed);
        final IndexOptions options = IndexOptions.builder().shardCount(shards).compactionMinRemoved(4)
            .compactionRemovedRatio(0.1).bitmapMinEntries(bitmapMinEntries).build();
        try (ShardedIndex index = new ShardedIndex(options, hashMask))
        {
            final ReferenceIndex reference = new ReferenceIndex(hashMask);
            final List<Long> known = new ArrayList<>();
            for (int step = 0; step < 3000; step++)
            {
                final int op = random.nextInt(100);
                if (op < 70)
                {
                    add(index, reference, randomLabels(random), known);
                }
                else if (op < 80 && !known.isEmpty())
                {
                    remove(index, reference, known.get(random.nextInt(known.size())));
                }
                else if (op < 85 && !known.isEmpty())
                {
                    replay(index, reference, known.get(random.nextInt(known.size())), random);
                }
                else
                {
                    compareQuery(index, reference, randomMatchers(random));
                }
                if (step % 500 == 0)
                {
                    compareListings(index, reference);
                    index.checkIntegrity();
                }
            }
            compareListings(index, reference);
            for (final long id : known)
            {
                assertEquals(reference.contains(id), index.contains(id));
                if (reference.contains(id))
                {
                    assertEquals(reference.getLabels(id), index.getLabels(id));
                }
            }
            index.checkIntegrity();
        }
    }

    private static void add(
        final ShardedIndex index, final ReferenceIndex reference, final Labels labels, final List<Long> known)
    {
        if (labels.isEmpty())
        {
            assertThrows(IllegalArgumentException.class, () -> index.addSeries(labels));
            return;
        }
        final long expected;
        try
        {
            expected = reference.addSeries(labels);
        }
        catch (final IllegalStateException e)
        {
            assertThrows(IllegalStateException.class, () -> index.addSeries(labels), "too many collisions");
            return;
        }
        assertEquals(expected, index.addSeries(labels), () -> "id of " + labels);
        known.add(expected);
    }

    private static void remove(final ShardedIndex index, final ReferenceIndex reference, final long id)
    {
        if (reference.contains(id))
        {
            reference.removeSeries(id);
            index.removeSeries(id);
        }
        else
        {
            assertThrows(IllegalArgumentException.class, () -> index.removeSeries(id));
        }
    }

    /** Replays a known id with its labels (idempotent) or, if removed, re-adds it under the recorded id. */
    private static void replay(
        final ShardedIndex index, final ReferenceIndex reference, final long id, final SplittableRandom random)
    {
        if (reference.contains(id))
        {
            final Labels labels = reference.getLabels(id);
            assertEquals(id, index.addSeries(id, labels));
            final Labels other = randomLabels(random);
            if (!other.isEmpty() && !other.equals(labels))
            {
                assertThrows(IllegalArgumentException.class, () -> index.addSeries(id, other),
                    () -> "id " + id + " holds " + labels + ", replaying " + other);
            }
        }
    }

    private static void compareQuery(final ShardedIndex index, final ReferenceIndex reference, final List<Matcher> ms)
    {
        final long[] expected = reference.findSeries(ms);
        final long[] actual = index.findSeries(ms);
        if (!java.util.Arrays.equals(expected, actual))
        {
            fail("query " + ms + ": expected " + expected.length + " series, got " + actual.length + "; missing " +
                difference(expected, actual, reference) + ", extra " + difference(actual, expected, reference));
        }
    }

    private static void compareListings(final ShardedIndex index, final ReferenceIndex reference)
    {
        assertEquals(reference.labelNames(), index.labelNames());
        for (final String name : NAMES)
        {
            assertEquals(reference.labelValues(name), index.labelValues(name), name);
        }
        assertEquals(reference.seriesCount(), index.seriesCount());
        final long[] all = reference.findSeries(List.of(Matcher.regex("__name__", ".*")));
        assertArrayEquals(all, index.findSeries(Matcher.regex("__name__", ".*")));
    }

    private static List<String> difference(final long[] a, final long[] b, final ReferenceIndex reference)
    {
        final List<String> out = new ArrayList<>();
        for (final long id : a)
        {
            if (java.util.Arrays.binarySearch(b, id) < 0)
            {
                out.add(SeriesIds.toString(id) + (reference.contains(id) ? reference.getLabels(id).toString() : ""));
            }
        }
        return out;
    }

    static Labels randomLabels(final SplittableRandom random)
    {
        final Labels.Builder builder = Labels.builder();
        final int count = 1 + random.nextInt(5);
        final boolean[] used = new boolean[NAMES.length];
        for (int i = 0; i < count; i++)
        {
            final int name = random.nextInt(NAMES.length);
            if (!used[name])
            {
                used[name] = true;
                final String value = VALUES[random.nextInt(VALUES.length)];
                // sometimes an equal string that is not the same instance, as a parser would produce
                builder.add(NAMES[name], random.nextBoolean() ? value : new String(value.toCharArray()));
            }
        }
        return builder.build();
    }

    static List<Matcher> randomMatchers(final SplittableRandom random)
    {
        final int count = 1 + random.nextInt(3);
        final List<Matcher> matchers = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final String name = random.nextInt(10) == 0 ? "nope" : NAMES[random.nextInt(NAMES.length)];
            final Matcher.Type type = Matcher.Type.values()[random.nextInt(4)];
            final String value = switch (type)
            {
                case EQUAL, NOT_EQUAL -> random.nextInt(10) == 0 ? "zzz" : VALUES[random.nextInt(VALUES.length)];
                case REGEX, NOT_REGEX -> REGEXES[random.nextInt(REGEXES.length)];
            };
            matchers.add(Matcher.of(type, name, value));
        }
        return matchers;
    }
}
