package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

class PostingsTest
{
    @Test
    void shouldKeepEveryAppendedValueInOrderAcrossManyChunks()
    {
        try (SlabArena arena = new SlabArena(SlabArena.MIN_SLAB_BYTES, true, 1 << 20))
        {
            final long head = arena.allocateBump(IndexDescriptor.LIST_HEAD_LENGTH);
            final int n = 3 * IndexDescriptor.MAX_CHUNK_ENTRIES + 17;
            final int[] expected = new int[n];
            for (int i = 0; i < n; i++)
            {
                expected[i] = 3 * i + 1;
                Postings.append(arena, head, expected[i]);
            }
            Postings.checkList(arena, head);
            assertEquals(n, Postings.count(arena, head));
            final int[] actual = new int[n];
            assertEquals(n, Postings.copyTo(arena, head, actual, 0));
            assertArrayEquals(expected, actual);
        }
    }

    @Test
    void shouldSeekToTheFirstEntryNotBelowTheTargetLikeATreeSet()
    {
        final SplittableRandom random = new SplittableRandom(11);
        try (SlabArena arena = new SlabArena(SlabArena.MIN_SLAB_BYTES, true, 1 << 20))
        {
            for (final int size : new int[] {1, 2, 5, 100, IndexDescriptor.MAX_CHUNK_ENTRIES + 1, 50_000})
            {
                final long head = arena.allocateBump(IndexDescriptor.LIST_HEAD_LENGTH);
                final TreeSet<Integer> model = new TreeSet<>();
                int value = random.nextInt(10);
                for (int i = 0; i < size; i++)
                {
                    model.add(value);
                    Postings.append(arena, head, value);
                    value += 1 + random.nextInt(random.nextBoolean() ? 3 : 300);
                }
                final PostingsCursor cursor = new PostingsCursor();
                assertTrue(cursor.reset(arena, head));
                int target = 0;
                while (true)
                {
                    final Integer expected = model.ceiling(target);
                    final boolean found = cursor.seek(target);
                    assertEquals(expected != null, found, "seek " + target + " in a list of " + size);
                    if (!found)
                    {
                        break;
                    }
                    assertEquals(expected.intValue(), cursor.at(), "seek " + target + " in a list of " + size);
                    target = cursor.at() + random.nextInt(random.nextBoolean() ? 2 : 5000);
                }
            }
        }
    }

    @Test
    void shouldIterateEveryEntryWithNext()
    {
        try (SlabArena arena = new SlabArena(SlabArena.MIN_SLAB_BYTES, true, 1 << 20))
        {
            final long head = arena.allocateBump(IndexDescriptor.LIST_HEAD_LENGTH);
            final PostingsCursor cursor = new PostingsCursor();
            assertFalse(cursor.reset(arena, head), "an empty list has no first entry");
            for (int i = 0; i < 40_000; i++)
            {
                Postings.append(arena, head, i * 2);
            }
            assertTrue(cursor.reset(arena, head));
            int expected = 0;
            do
            {
                assertEquals(expected, cursor.at());
                expected += 2;
            }
            while (cursor.next());
            assertEquals(80_000, expected);
        }
    }

    /**
     * A telemetry-shaped load: series arrive host by host, so each host's list grows from empty to full while a few
     * per-metric lists grow all the time. Freed chunks are reused by the next host's lists, so the arena stays within
     * a bounded factor of the payload.
     */
    @Test
    void shouldReuseFreedChunksSoSlackStaysBounded()
    {
        try (SlabArena arena = new SlabArena(SlabArena.MIN_SLAB_BYTES, true, 1 << 20))
        {
            final int hosts = 2000;
            final int metrics = 100;
            final long[] metricHeads = new long[metrics];
            for (int m = 0; m < metrics; m++)
            {
                metricHeads[m] = arena.allocateBump(IndexDescriptor.LIST_HEAD_LENGTH);
            }
            final long[] hostHeads = new long[hosts];
            int ref = 0;
            for (int h = 0; h < hosts; h++)
            {
                hostHeads[h] = arena.allocateBump(IndexDescriptor.LIST_HEAD_LENGTH);
                for (int m = 0; m < metrics; m++)
                {
                    Postings.append(arena, hostHeads[h], ref);
                    Postings.append(arena, metricHeads[m], ref);
                    ref++;
                }
            }
            final long payload = 4L * 2 * ref;
            assertTrue(arena.usedBytes() < 1.35 * payload, "used " + arena.usedBytes() + " for " + payload);
            assertTrue(arena.reservedBytes() < 1.6 * payload, "reserved " + arena.reservedBytes() + " for " + payload);
            for (int h = 0; h < hosts; h++)
            {
                Postings.clear(arena, hostHeads[h]);
            }
            for (int m = 0; m < metrics; m++)
            {
                Postings.clear(arena, metricHeads[m]);
            }
            assertTrue(arena.usedBytes() <= 24L * (hosts + metrics) + 8,
                "after clearing every list only the heads remain in use: " + arena.usedBytes());
        }
    }

    @Test
    void shouldFailCleanlyAfterClose()
    {
        final SlabArena arena = new SlabArena(SlabArena.MIN_SLAB_BYTES, true, 1 << 20);
        final long head = arena.allocateBump(IndexDescriptor.LIST_HEAD_LENGTH);
        Postings.append(arena, head, 1);
        arena.close();
        arena.close();
        assertThrows(RuntimeException.class, () -> Postings.append(arena, head, 2));
        assertThrows(IllegalStateException.class, () -> arena.allocateBump(SlabArena.MIN_SLAB_BYTES * 2));
    }

    @Test
    void shouldHandOutAlignedIncreasingBumpAddresses()
    {
        try (SlabArena arena = new SlabArena(SlabArena.MIN_SLAB_BYTES, false, 64))
        {
            long previous = 0;
            for (int i = 0; i < 100_000; i++)
            {
                final long address = arena.allocateBump(20 + (i % 7) * 4);
                assertEquals(0, address & 7);
                assertTrue(address > previous);
                previous = address;
            }
            assertTrue(arena.slabCount() > 1);
        }
    }
}
