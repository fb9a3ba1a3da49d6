package io.shardwal.index;

/** Searches in sorted int arrays (postings copied to the heap). */
final class SortedInts
{
    private SortedInts()
    {
    }

    /**
     * The first index in {@code [from, length)} whose entry is {@code >= target}, or {@code length}: one comparison
     * when the next entry already is (lists of similar size), else doubling steps and a binary search, so a short
     * candidate list crosses a ten times longer one in a few probes per candidate instead of a step per entry.
     */
    static int gallop(final int[] sorted, final int from, final int length, final int target)
    {
        if (from >= length || sorted[from] >= target)
        {
            return from;
        }
        int low = from;
        int high = from + 1;
        int step = 1;
        while (high < length && sorted[high] < target)
        {
            low = high;
            step <<= 1;
            high = from + step;
        }
        high = Math.min(high, length);
        // sorted[low] < target, and high == length or sorted[high] >= target
        while (high - low > 1)
        {
            final int mid = (low + high) >>> 1;
            if (sorted[mid] < target)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }
        return high;
    }
}
