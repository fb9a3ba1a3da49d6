package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.CHUNK_CAPACITY_OFFSET;
import static io.shardwal.index.IndexDescriptor.CHUNK_COUNT_OFFSET;
import static io.shardwal.index.IndexDescriptor.CHUNK_ENTRIES_OFFSET;
import static io.shardwal.index.IndexDescriptor.CHUNK_NEXT_OFFSET;
import static io.shardwal.index.IndexDescriptor.FIRST_CHUNK_CLASS;
import static io.shardwal.index.IndexDescriptor.INT;
import static io.shardwal.index.IndexDescriptor.LIST_COUNT_OFFSET;
import static io.shardwal.index.IndexDescriptor.LIST_FIRST_OFFSET;
import static io.shardwal.index.IndexDescriptor.LIST_LAST_OFFSET;
import static io.shardwal.index.IndexDescriptor.LONG;
import static io.shardwal.index.IndexDescriptor.MAX_CHUNK_CLASS;
import static io.shardwal.index.IndexDescriptor.MAX_CHUNK_ENTRIES;
import static io.shardwal.index.IndexDescriptor.NIL;

import java.lang.foreign.MemorySegment;

/**
 * Append-only sorted lists of non-negative ints (series ordinals) in a {@link SlabArena}, in the chunk layout
 * of {@link IndexDescriptor}. Appending is O(1) amortised: a small list is one chunk that moves to the next size class
 * (about 1.4x) when full; from 60 entries on, a full list chains a new chunk of about half its size, up to
 * {@link IndexDescriptor#MAX_CHUNK_ENTRIES}. Slack is thus at most about a third of a list (and one chunk of a very
 * large one), and growing large lists never leave freed blocks behind.
 *
 * <p>Stateless; callers hold the owning shard's lock (write lock to append, read lock to read).
 */
final class Postings
{
    /** A single-chunk list moves to the next size class while below this one (256 bytes: 60 entries). */
    static final int LAST_MOVING_CLASS = 8;

    private Postings()
    {
    }

    static int count(final SlabArena arena, final long head)
    {
        return arena.getInt(head + LIST_COUNT_OFFSET);
    }

    /** Appends {@code value}, which must be greater than every value already in the list. */
    static void append(final SlabArena arena, final long head, final int value)
    {
        append(arena, head, arena.slab(head), value);
    }

    /**
     * Appends {@code value} to the list at {@code head}, whose slab is {@code headSlab} (a caller that already holds
     * it saves looking it up again); returns the list's new count.
     */
    static int append(final SlabArena arena, final long head, final MemorySegment headSlab, final int value)
    {
        final long headOffset = SlabArena.offset(head);
        long last = headSlab.get(LONG, headOffset + LIST_LAST_OFFSET);
        if (last == NIL)
        {
            last = newChunk(arena, FIRST_CHUNK_CLASS);
            headSlab.set(LONG, headOffset + LIST_FIRST_OFFSET, last);
            headSlab.set(LONG, headOffset + LIST_LAST_OFFSET, last);
        }
        MemorySegment slab = arena.slab(last);
        long offset = SlabArena.offset(last);
        final long sizes = slab.get(LONG, offset + CHUNK_COUNT_OFFSET); // count, then capacity: one read for both
        int count = (int)sizes;
        if (count == (int)(sizes >>> 32))
        {
            last = growSlowPath(arena, head, last, count);
            slab = arena.slab(last);
            offset = SlabArena.offset(last);
            count = slab.get(INT, offset + CHUNK_COUNT_OFFSET);
        }
        slab.set(INT, offset + CHUNK_ENTRIES_OFFSET + 4L * count, value);
        slab.set(INT, offset + CHUNK_COUNT_OFFSET, count + 1);
        final int total = headSlab.get(INT, headOffset + LIST_COUNT_OFFSET) + 1;
        headSlab.set(INT, headOffset + LIST_COUNT_OFFSET, total);
        return total;
    }

    /** Copies the whole list into {@code dst} from {@code dstIndex}; returns the count copied. */
    static int copyTo(final SlabArena arena, final long head, final int[] dst, final int dstIndex)
    {
        int n = dstIndex;
        for (long chunk = arena.getLong(head + LIST_FIRST_OFFSET); chunk != NIL; )
        {
            final MemorySegment slab = arena.slab(chunk);
            final long offset = SlabArena.offset(chunk);
            final int count = slab.get(INT, offset + CHUNK_COUNT_OFFSET);
            MemorySegment.copy(slab, INT, offset + CHUNK_ENTRIES_OFFSET, dst, n, count);
            n += count;
            chunk = slab.get(LONG, offset + CHUNK_NEXT_OFFSET);
        }
        return n - dstIndex;
    }

    /** Returns every chunk of the list to the arena and resets the head to empty. */
    static void clear(final SlabArena arena, final long head)
    {
        for (long chunk = arena.getLong(head + LIST_FIRST_OFFSET); chunk != NIL; )
        {
            final long next = arena.getLong(chunk + CHUNK_NEXT_OFFSET);
            arena.free(chunk, SlabArena.classFor(
                CHUNK_ENTRIES_OFFSET + 4 * arena.getInt(chunk + CHUNK_CAPACITY_OFFSET)));
            chunk = next;
        }
        arena.putLong(head + LIST_FIRST_OFFSET, NIL);
        arena.putLong(head + LIST_LAST_OFFSET, NIL);
        arena.putInt(head + LIST_COUNT_OFFSET, 0);
    }

    /**
     * Removes the list's last entry if it is {@code value} (undoing an append of a failed add); a chunk left empty goes
     * back to the arena. An append never leaves an empty chunk, so neither does this.
     */
    static void removeLast(final SlabArena arena, final long head, final int value)
    {
        final long last = arena.getLong(head + LIST_LAST_OFFSET);
        if (last == NIL)
        {
            return;
        }
        final int count = arena.getInt(last + CHUNK_COUNT_OFFSET);
        if (count == 0 || arena.getInt(last + CHUNK_ENTRIES_OFFSET + 4L * (count - 1)) != value)
        {
            return;
        }
        arena.putInt(last + CHUNK_COUNT_OFFSET, count - 1);
        arena.putInt(head + LIST_COUNT_OFFSET, arena.getInt(head + LIST_COUNT_OFFSET) - 1);
        if (count == 1)
        {
            unlinkLast(arena, head, last, CHUNK_NEXT_OFFSET,
                CHUNK_ENTRIES_OFFSET + 4 * arena.getInt(last + CHUNK_CAPACITY_OFFSET));
        }
    }

    /**
     * Takes the now empty last chunk {@code last} (of {@code chunkBytes}) off a chunk list whose chunks link through
     * the long at {@code nextOffset}, and gives it back to the arena. Shared by the lists of postings and values.
     */
    static void unlinkLast(final SlabArena arena, final long head, final long last, final int nextOffset,
        final int chunkBytes)
    {
        long previous = NIL;
        for (long chunk = arena.getLong(head + LIST_FIRST_OFFSET); chunk != last;
            chunk = arena.getLong(chunk + nextOffset))
        {
            previous = chunk;
        }
        if (previous == NIL)
        {
            arena.putLong(head + LIST_FIRST_OFFSET, NIL);
        }
        else
        {
            arena.putLong(previous + nextOffset, NIL);
        }
        arena.putLong(head + LIST_LAST_OFFSET, previous);
        arena.free(last, SlabArena.classFor(chunkBytes));
    }

    /** Validates every chunk of the list and that the head's count is their sum and the values ascend across them. */
    static void checkList(final SlabArena arena, final long head)
    {
        long total = 0;
        int previous = -1;
        long lastSeen = NIL;
        for (long chunk = arena.getLong(head + LIST_FIRST_OFFSET); chunk != NIL;
            chunk = arena.getLong(chunk + CHUNK_NEXT_OFFSET))
        {
            IndexDescriptor.checkChunk(arena.slab(chunk), SlabArena.offset(chunk), chunk);
            final int count = arena.getInt(chunk + CHUNK_COUNT_OFFSET);
            if (count > 0)
            {
                final int first = arena.getInt(chunk + CHUNK_ENTRIES_OFFSET);
                if (first <= previous)
                {
                    throw new IllegalStateException("postings list at 0x" + Long.toHexString(head) +
                        " does not ascend across chunks: " + previous + " then " + first);
                }
                previous = arena.getInt(chunk + CHUNK_ENTRIES_OFFSET + 4L * (count - 1));
            }
            total += count;
            lastSeen = chunk;
        }
        if (total != arena.getInt(head + LIST_COUNT_OFFSET) || lastSeen != arena.getLong(head + LIST_LAST_OFFSET))
        {
            throw new IllegalStateException("postings list at 0x" + Long.toHexString(head) + " has count " +
                arena.getInt(head + LIST_COUNT_OFFSET) + " but its chunks hold " + total);
        }
    }

    private static long growSlowPath(final SlabArena arena, final long head, final long last, final int count)
    {
        final int sizeClass = SlabArena.classFor(CHUNK_ENTRIES_OFFSET + 4 * count);
        final long grown;
        if (arena.getLong(head + LIST_FIRST_OFFSET) == last && sizeClass < LAST_MOVING_CLASS)
        {
            // a small single-chunk list moves up one size class; the freed block suits the next small list
            grown = newChunk(arena, sizeClass + 1);
            MemorySegment.copy(
                arena.slab(last), SlabArena.offset(last) + CHUNK_ENTRIES_OFFSET,
                arena.slab(grown), SlabArena.offset(grown) + CHUNK_ENTRIES_OFFSET, 4L * count);
            arena.putInt(grown + CHUNK_COUNT_OFFSET, count);
            arena.free(last, sizeClass);
            arena.putLong(head + LIST_FIRST_OFFSET, grown);
        }
        else
        {
            // a larger list chains a chunk of about half its size (so at most a third of it is slack), never moving
            // data, so growing lists do not leave freed blocks behind
            final int total = arena.getInt(head + LIST_COUNT_OFFSET);
            final int half = Math.min(MAX_CHUNK_ENTRIES, total / 2);
            grown = newChunk(arena, Math.min(MAX_CHUNK_CLASS, SlabArena.classFor(CHUNK_ENTRIES_OFFSET + 4 * half)));
            arena.putLong(last + CHUNK_NEXT_OFFSET, grown);
        }
        arena.putLong(head + LIST_LAST_OFFSET, grown);
        return grown;
    }

    private static long newChunk(final SlabArena arena, final int sizeClass)
    {
        final long chunk = arena.allocate(sizeClass);
        arena.putLong(chunk + CHUNK_NEXT_OFFSET, NIL);
        arena.putInt(chunk + CHUNK_COUNT_OFFSET, 0);
        arena.putInt(chunk + CHUNK_CAPACITY_OFFSET, IndexDescriptor.chunkCapacity(sizeClass));
        return chunk;
    }
}
