package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.CHUNK_COUNT_OFFSET;
import static io.shardwal.index.IndexDescriptor.CHUNK_ENTRIES_OFFSET;
import static io.shardwal.index.IndexDescriptor.CHUNK_NEXT_OFFSET;
import static io.shardwal.index.IndexDescriptor.INT;
import static io.shardwal.index.IndexDescriptor.LIST_FIRST_OFFSET;
import static io.shardwal.index.IndexDescriptor.LONG;
import static io.shardwal.index.IndexDescriptor.NIL;

import java.lang.foreign.MemorySegment;

/**
 * A forward cursor over one off-heap postings list ({@link Postings}) with galloping {@link #seek(int)}, so an
 * intersection or subtraction of a short list with a long one reads O(short · log(long / short)) entries of the long
 * one, straight from the arena. Chunks whose last entry is below the target are skipped whole.
 *
 * <p>Reusable ({@link #reset(SlabArena, long)}); confined to one thread holding the shard's read lock.
 */
final class PostingsCursor
{
    private SlabArena arena;
    private MemorySegment slab;
    private long entries;
    private int index;
    private int count;
    private long next;

    /** Positions the cursor on the first entry of the list at {@code head}; returns false if the list is empty. */
    boolean reset(final SlabArena arena, final long head)
    {
        this.arena = arena;
        next = arena.getLong(head + LIST_FIRST_OFFSET);
        count = 0;
        index = 0;
        return nextChunk();
    }

    /** The current entry; valid after a {@code true} from {@link #reset}, {@link #next()} or {@link #seek(int)}. */
    int at()
    {
        return slab.get(INT, entries + 4L * index);
    }

    /** Advances one entry; false when the list is exhausted. */
    boolean next()
    {
        if (++index < count)
        {
            return true;
        }
        return nextChunk();
    }

    /**
     * Advances to the first entry {@code >= target} (staying put if the current one already is); false when no such
     * entry exists.
     */
    boolean seek(final int target)
    {
        if (slab.get(INT, entries + 4L * index) >= target)
        {
            return true;
        }
        while (slab.get(INT, entries + 4L * (count - 1)) < target)
        {
            if (!nextChunk())
            {
                return false;
            }
            if (slab.get(INT, entries) >= target)
            {
                return true;
            }
        }
        // entries[index] < target <= entries[count - 1]: gallop, then binary search
        int low = index;
        int step = 1;
        int high = index + 1;
        while (high < count - 1 && slab.get(INT, entries + 4L * high) < target)
        {
            low = high;
            step <<= 1;
            high = Math.min(count - 1, index + step);
        }
        // invariant: entries[low] < target <= entries[high]
        while (high - low > 1)
        {
            final int mid = (low + high) >>> 1;
            if (slab.get(INT, entries + 4L * mid) < target)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }
        index = high;
        return true;
    }

    private boolean nextChunk()
    {
        while (next != NIL)
        {
            final long chunk = next;
            slab = arena.slab(chunk);
            final long offset = SlabArena.offset(chunk);
            next = slab.get(LONG, offset + CHUNK_NEXT_OFFSET);
            count = slab.get(INT, offset + CHUNK_COUNT_OFFSET);
            entries = offset + CHUNK_ENTRIES_OFFSET;
            index = 0;
            if (count > 0)
            {
                return true;
            }
        }
        return false;
    }
}
