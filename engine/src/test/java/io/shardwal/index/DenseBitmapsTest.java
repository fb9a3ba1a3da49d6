package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.LIST_FIRST_OFFSET;
import static io.shardwal.index.IndexDescriptor.LIST_LAST_OFFSET;
import static io.shardwal.index.IndexDescriptor.NIL;
import static io.shardwal.index.IndexDescriptor.PAIR_ENTRY_LENGTH;
import static io.shardwal.index.IndexDescriptor.PAIR_POSTINGS_OFFSET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class DenseBitmapsTest
{
    @Test
    void shouldGiveADenseListABitmapHoldingExactlyItsOrdinals()
    {
        try (SlabArena arena = new SlabArena(SlabArena.MIN_SLAB_BYTES, true, 64))
        {
            final DenseBitmaps bitmaps = new DenseBitmaps(arena, 4);
            final long pair = newPair(arena);
            for (int ordinal = 0; ordinal < 3; ordinal++)
            {
                append(arena, bitmaps, pair, ordinal, ordinal + 1);
            }
            assertEquals(0, bitmaps.of(pair), "three entries are below the minimum of four");
            append(arena, bitmaps, pair, 3, 4);
            final int bitmap = bitmaps.of(pair);
            assertNotEquals(0, bitmap);
            append(arena, bitmaps, pair, 100_000, 100_001); // needs a new block while 5 of 100,001 is below 1/64
            assertEquals(0, bitmaps.of(pair), "a new block for a pair below 1/64 drops the bitmap");
            assertEquals(0, bitmaps.blocks());

            final long other = newPair(arena);
            for (int ordinal = 0; ordinal < 40_000; ordinal += 2)
            {
                append(arena, bitmaps, other, ordinal, ordinal + 1);
            }
            final int dense = bitmaps.of(other);
            assertNotEquals(0, dense);
            assertEquals(39_998 / DenseBitmaps.BLOCK_ORDINALS + 1, bitmaps.blocks(),
                "40,000 ordinals span blocks of " + DenseBitmaps.BLOCK_ORDINALS);
            assertTrue(bitmaps.contains(dense, 0));
            assertFalse(bitmaps.contains(dense, 1));
            assertTrue(bitmaps.contains(dense, 39_998));
            assertFalse(bitmaps.contains(dense, 40_000));
            assertFalse(bitmaps.contains(dense, Integer.MAX_VALUE), "past the table is not a member");
            bitmaps.check(other);
        }
    }

    @Test
    void shouldHoldADensePairInItsBitmapAloneAndTurnItBackIntoAList()
    {
        try (SlabArena arena = new SlabArena(SlabArena.MIN_SLAB_BYTES, true, 64))
        {
            final DenseBitmaps bitmaps = new DenseBitmaps(arena, 4);
            final long pair = newPair(arena);
            final long head = pair + PAIR_POSTINGS_OFFSET;
            for (int ordinal = 0; ordinal < 3; ordinal++)
            {
                assertEquals(ordinal + 1, bitmaps.add(pair, arena.slab(pair), ordinal, ordinal + 1));
            }
            final long listBytes = arena.usedBytes();
            assertEquals(4, bitmaps.add(pair, arena.slab(pair), 3, 4));
            assertNotEquals(0, bitmaps.of(pair));
            assertEquals(NIL, arena.getLong(head + LIST_FIRST_OFFSET), "the list's chunks went back to the arena");
            assertEquals(NIL, arena.getLong(head + LIST_LAST_OFFSET));
            assertTrue(arena.usedBytes() <= listBytes + DenseBitmaps.BLOCK_BYTES, "the list no longer takes memory");
            assertEquals(4, bitmaps.count(pair));
            assertEquals(0, Postings.count(arena, head), "the count moved to the bitmap");
            assertEquals(5, bitmaps.add(pair, arena.slab(pair), 9, 10));
            assertArrayEquals(new int[] {0, 1, 2, 3, 9}, postings(bitmaps, pair, 5));
            bitmaps.check(pair);

            // a new block for a pair holding less than 1/64 of the ordinals: back to a list, with every ordinal
            assertEquals(6, bitmaps.add(pair, arena.slab(pair), 100_000, 100_001));
            assertEquals(0, bitmaps.of(pair));
            assertEquals(0, bitmaps.blocks());
            assertArrayEquals(new int[] {0, 1, 2, 3, 9, 100_000}, postings(bitmaps, pair, 6));
            final int[] listed = new int[6];
            assertEquals(6, Postings.copyTo(arena, head, listed, 0));
            assertArrayEquals(new int[] {0, 1, 2, 3, 9, 100_000}, listed, "the list holds them again");
            bitmaps.check(pair);
        }
    }

    @Test
    void shouldWalkSeekAndCopyABitmapInOrdinalOrder()
    {
        try (SlabArena arena = new SlabArena(SlabArena.MIN_SLAB_BYTES, true, 64))
        {
            final DenseBitmaps bitmaps = new DenseBitmaps(arena, 1);
            final long pair = newPair(arena);
            final SplittableRandom random = new SplittableRandom(11);
            final int ordinals = 5 * DenseBitmaps.BLOCK_ORDINALS;
            final int[] expected = random.ints(3_000, 0, ordinals)
                .filter(o -> o / DenseBitmaps.BLOCK_ORDINALS != 3) // block 3 has no bit, so no block
                .sorted().distinct().toArray();
            for (final int ordinal : expected)
            {
                bitmaps.add(pair, arena.slab(pair), ordinal, ordinal + 1);
            }
            assertNotEquals(0, bitmaps.of(pair), "dense from the first ordinal on, with a minimum of one");
            bitmaps.check(pair);
            assertArrayEquals(expected, postings(bitmaps, pair, expected.length));

            final PostingsCursor cursor = new PostingsCursor();
            final int[] walked = new int[expected.length];
            int n = 0;
            assertTrue(cursor.reset(bitmaps, pair));
            do
            {
                walked[n++] = cursor.at();
            }
            while (cursor.next());
            assertArrayEquals(expected, walked);

            for (int round = 0; round < 500; round++)
            {
                assertTrue(cursor.reset(bitmaps, pair));
                int target = 0;
                for (int step = 0; step < 5; step++)
                {
                    target += random.nextInt(ordinals / 4);
                    final int at = Arrays.binarySearch(expected, target);
                    final int ceiling = at >= 0 ? at : -1 - at;
                    final boolean found = cursor.seek(target);
                    assertEquals(ceiling < expected.length, found, "seek " + target);
                    if (!found)
                    {
                        break;
                    }
                    assertEquals(expected[ceiling], cursor.at(), "seek " + target);
                }
            }
        }
    }

    @Test
    void shouldUndoAnAddToAListOrABitmap()
    {
        try (SlabArena arena = new SlabArena(SlabArena.MIN_SLAB_BYTES, true, 64))
        {
            final DenseBitmaps bitmaps = new DenseBitmaps(arena, 3);
            final long list = newPair(arena);
            final long dense = newPair(arena);
            for (int ordinal = 0; ordinal < 4; ordinal++)
            {
                bitmaps.add(dense, arena.slab(dense), ordinal, ordinal + 1);
            }
            bitmaps.add(list, arena.slab(list), 7, 8);
            bitmaps.add(list, arena.slab(list), 9, 10);
            assertEquals(0, bitmaps.of(list));
            assertNotEquals(0, bitmaps.of(dense));
            for (final long pair : new long[] {list, dense})
            {
                final int before = bitmaps.count(pair);
                final int[] held = postings(bitmaps, pair, before);
                bitmaps.add(pair, arena.slab(pair), 12, 13);
                bitmaps.undoAdd(pair, 12);
                assertEquals(before, bitmaps.count(pair));
                assertArrayEquals(held, postings(bitmaps, pair, before));
                bitmaps.undoAdd(pair, 20); // never added: nothing to take out
                assertArrayEquals(held, postings(bitmaps, pair, before));
                bitmaps.check(pair);
            }
        }
    }

    @Test
    void shouldLeaveWholePostingsWhenAnAddThatTurnsThemBackIntoAListRunsOutOfMemory()
    {
        for (int fault = 1; fault <= 3; fault++)
        {
            try (SlabArena arena = new SlabArena(SlabArena.MIN_SLAB_BYTES, true, 64))
            {
                final DenseBitmaps bitmaps = new DenseBitmaps(arena, 2);
                final long pair = newPair(arena);
                bitmaps.add(pair, arena.slab(pair), 0, 1);
                bitmaps.add(pair, arena.slab(pair), 1, 2);
                assertNotEquals(0, bitmaps.of(pair));
                arena.failAllocation(fault);
                boolean failed = false;
                try
                {
                    // sparse for a new block: back to a list of two (allocation 1), then a larger chunk (2)
                    bitmaps.add(pair, arena.slab(pair), 1_000_000, 1_000_001);
                }
                catch (final IndexCapacityException e)
                {
                    failed = true;
                }
                arena.failAllocation(0);
                assertEquals(fault <= 2, failed, "allocation " + fault);
                assertEquals(fault == 1, bitmaps.of(pair) != 0,
                    "allocation " + fault + ": the bitmap stays only if the list could not be had");
                bitmaps.check(pair);
                bitmaps.undoAdd(pair, 1_000_000); // what a failed add of a series does for each of its labels
                assertArrayEquals(new int[] {0, 1}, postings(bitmaps, pair, 2), "allocation " + fault);
                bitmaps.check(pair);
            }
        }
    }

    @Test
    void shouldFilterAscendingCandidatesAcrossBlocksLikeOneTestPerCandidate()
    {
        try (SlabArena arena = new SlabArena(SlabArena.MIN_SLAB_BYTES, true, 64))
        {
            final DenseBitmaps bitmaps = new DenseBitmaps(arena, 1);
            final long pair = newPair(arena);
            final int blocks = 6;
            final int ordinals = blocks * DenseBitmaps.BLOCK_ORDINALS;
            for (int ordinal = 0; ordinal < ordinals; ordinal++)
            {
                // every third ordinal, except in block 2, which thus never gets a block
                if (ordinal % 3 == 0 && ordinal / DenseBitmaps.BLOCK_ORDINALS != 2)
                {
                    append(arena, bitmaps, pair, ordinal, ordinal + 1);
                }
            }
            final int bitmap = bitmaps.of(pair);
            assertNotEquals(0, bitmap);
            bitmaps.check(pair);
            final SplittableRandom random = new SplittableRandom(3);
            for (int round = 0; round < 200; round++)
            {
                final int[] candidates = random.ints(random.nextInt(300), 0, ordinals + 5000).sorted().distinct()
                    .toArray();
                for (final boolean keep : new boolean[] {true, false})
                {
                    final int[] expected = Arrays.stream(candidates)
                        .filter(o -> bitmaps.contains(bitmap, o) == keep).toArray();
                    final int[] filtered = candidates.clone();
                    final int kept = bitmaps.filter(bitmap, filtered, filtered.length, keep);
                    assertArrayEquals(expected, Arrays.copyOf(filtered, kept), "keep=" + keep);
                }
            }
        }
    }

    @Test
    void shouldAnswerQueriesAsTheListsDoWithBitmapsOnAndOff()
    {
        final IndexOptions.Builder options = IndexOptions.builder().shardCount(3);
        try (ShardedIndex withBitmaps = new ShardedIndex(options.bitmapMinEntries(1).build());
            ShardedIndex listsOnly = new ShardedIndex(options.bitmapMinEntries(Integer.MAX_VALUE).build()))
        {
            for (int host = 0; host < 3_000; host++)
            {
                final Labels labels = Labels.of("job", "node", "region", "r" + host % 3, "rack", "k" + host % 40,
                    "host", "h" + host, "__name__", host % 7 == 0 ? "rare" : "common");
                withBitmaps.addSeries(labels);
                listsOnly.addSeries(labels);
            }
            withBitmaps.checkIntegrity();
            for (final List<Matcher> query : List.of(
                List.of(Matcher.equal("__name__", "rare"), Matcher.equal("region", "r1")),
                List.of(Matcher.equal("__name__", "rare"), Matcher.notEqual("region", "r1")),
                List.of(Matcher.equal("host", "h42"), Matcher.equal("job", "node")),
                List.of(Matcher.equal("rack", "k7"), Matcher.notEqual("job", "node")),
                List.of(Matcher.regex("host", "h1.*"), Matcher.equal("region", "r2")),
                List.of(Matcher.equal("region", "r0"), Matcher.notRegex("rack", "k1.*"))))
            {
                assertArrayEquals(listsOnly.findSeries(query), withBitmaps.findSeries(query), query.toString());
            }
        }
    }

    /** The pair's postings through {@link DenseBitmaps#copyTo}, which must copy exactly {@code count}. */
    private static int[] postings(final DenseBitmaps bitmaps, final long pair, final int count)
    {
        final int[] out = new int[count + 1];
        out[count] = -7;
        assertEquals(count, bitmaps.copyTo(pair, out, 0));
        assertEquals(-7, out[count]);
        return Arrays.copyOf(out, count);
    }

    private static long newPair(final SlabArena arena)
    {
        final long pair = arena.allocateBump(PAIR_ENTRY_LENGTH);
        arena.slab(pair).asSlice(SlabArena.offset(pair), PAIR_ENTRY_LENGTH).fill((byte)0);
        return pair;
    }

    private static void append(final SlabArena arena, final DenseBitmaps bitmaps, final long pair, final int ordinal,
        final int ordinals)
    {
        bitmaps.add(pair, arena.slab(pair), ordinal, ordinals);
    }
}
