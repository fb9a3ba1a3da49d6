package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class SortedIntsTest
{
    @Test
    void shouldGallopToTheFirstEntryNotBelowTheTarget()
    {
        final SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 2_000; round++)
        {
            final int length = random.nextInt(0, 300);
            final int[] sorted = random.ints(length, 0, 1_000).sorted().distinct().toArray();
            final int[] padded = Arrays.copyOf(sorted, sorted.length + random.nextInt(0, 4)); // slack past length
            final int from = sorted.length == 0 ? 0 : random.nextInt(0, sorted.length + 1);
            final int target = random.nextInt(-5, 1_010);
            int expected = from;
            while (expected < sorted.length && sorted[expected] < target)
            {
                expected++;
            }
            assertEquals(expected, SortedInts.gallop(padded, from, sorted.length, target),
                () -> "from " + from + " target " + target + " in " + Arrays.toString(sorted));
        }
    }
}
