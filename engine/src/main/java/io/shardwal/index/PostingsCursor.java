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
 * A forward cursor over the postings of one pair, whether a list ({@link Postings}) or a bitmap
 * ({@link DenseBitmaps}), with galloping {@link #seek(int)}, so an intersection or subtraction of a short list with a
 * long one reads O(short · log(long / short)) entries of the long one, straight from the arena. Chunks whose last
 * entry is below the target are skipped whole; on a bitmap, a seek skips to the target's word.
 *
 * <p>Reusable ({@link #reset(DenseBitmaps, long)}); confined to one thread holding the shard's read lock.
 */
final class PostingsCursor
{
    private SlabArena arena;
    private MemorySegment slab;
    private long entries;
    private int index;
    private int count;
    private long next;
    private DenseBitmaps bitmaps;
    /** The bitmap being walked, 0 for a list. */
    private int bitmap;
    private int ordinal;

    /** Positions the cursor on the first of the postings of the pair at {@code pairEntry}; false if it has none. */
    boolean reset(final DenseBitmaps bitmaps, final long pairEntry)
    {
        final int b = bitmaps.of(pairEntry);
        if (b == 0)
        {
            return reset(bitmaps.arena(), pairEntry + IndexDescriptor.PAIR_POSTINGS_OFFSET);
        }
        this.bitmaps = bitmaps;
        bitmap = b;
        ordinal = bitmaps.nextSetBit(b, 0);
        return ordinal >= 0;
    }

    /** Positions the cursor on the first entry of the list at {@code head}; returns false if the list is empty. */
    boolean reset(final SlabArena arena, final long head)
    {
        this.arena = arena;
        bitmap = 0;
        next = arena.getLong(head + LIST_FIRST_OFFSET);
        count = 0;
        index = 0;
        return nextChunk();
    }

    /** The current entry; valid after a {@code true} from {@link #reset}, {@link #next()} or {@link #seek(int)}. */
    int at()
    {
        return bitmap != 0 ? ordinal : slab.get(INT, entries + 4L * index);
    }

    /** Advances one entry; false when the list is exhausted. */
    boolean next()
    {
        if (bitmap != 0)
        {
            ordinal = bitmaps.nextSetBit(bitmap, ordinal + 1);
            return ordinal >= 0;
        }
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
        if (bitmap != 0)
        {
            if (ordinal < target)
            {
                ordinal = bitmaps.nextSetBit(bitmap, target);
            }
            return ordinal >= 0;
        }
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
