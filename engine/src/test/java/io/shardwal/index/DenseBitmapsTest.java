package io.shardwal.index;

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

    private static long newPair(final SlabArena arena)
    {
        final long pair = arena.allocateBump(PAIR_ENTRY_LENGTH);
        arena.slab(pair).asSlice(SlabArena.offset(pair), PAIR_ENTRY_LENGTH).fill((byte)0);
        return pair;
    }

    private static void append(final SlabArena arena, final DenseBitmaps bitmaps, final long pair, final int ordinal,
        final int ordinals)
    {
        final int entries = Postings.append(arena, pair + PAIR_POSTINGS_OFFSET, arena.slab(pair), ordinal);
        bitmaps.appended(pair, arena.slab(pair), entries, ordinal, ordinals);
    }
}
