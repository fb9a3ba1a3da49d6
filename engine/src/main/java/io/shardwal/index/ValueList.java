package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.INT;
import static io.shardwal.index.IndexDescriptor.LIST_COUNT_OFFSET;
import static io.shardwal.index.IndexDescriptor.LIST_FIRST_OFFSET;
import static io.shardwal.index.IndexDescriptor.LIST_LAST_OFFSET;
import static io.shardwal.index.IndexDescriptor.LONG;
import static io.shardwal.index.IndexDescriptor.NIL;
import static io.shardwal.index.IndexDescriptor.VALUE_CHUNK_CAPACITY_OFFSET;
import static io.shardwal.index.IndexDescriptor.VALUE_CHUNK_COUNT_OFFSET;
import static io.shardwal.index.IndexDescriptor.VALUE_CHUNK_ENTRIES_OFFSET;
import static io.shardwal.index.IndexDescriptor.VALUE_CHUNK_NEXT_OFFSET;
import static io.shardwal.index.IndexDescriptor.VALUE_ENTRY_KEY_OFFSET;
import static io.shardwal.index.IndexDescriptor.VALUE_ENTRY_LENGTH;
import static io.shardwal.index.IndexDescriptor.VALUE_ENTRY_LENGTH_OFFSET;
import static io.shardwal.index.IndexDescriptor.VALUE_ENTRY_PAIR_OFFSET;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The values of one label name in a shard, in creation order: for each, its pair id, the value's byte length and its
 * first eight bytes as a key (layout in {@link IndexDescriptor}). A regex with a literal prefix of up to eight bytes
 * is narrowed by comparing keys in a sequential scan, without touching the pair entries or the strings; longer
 * prefixes are narrowed by their first eight bytes. Chunks double up to 255 entries and are chained, never moved.
 *
 * <p>Stateless; callers hold the shard's lock (write lock to append).
 */
final class ValueList
{
    private static final ValueLayout.OfLong LONG_LE_UNALIGNED =
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int FIRST_CLASS = 4; // 64 bytes: 3 entries
    private static final int LAST_CLASS = 16; // 4 KiB: 255 entries

    private ValueList()
    {
    }

    static int count(final SlabArena arena, final long head)
    {
        return arena.getInt(head + LIST_COUNT_OFFSET);
    }

    /** Appends a value; {@code key} is {@link #key} of its bytes. */
    static void append(final SlabArena arena, final long head, final int pair, final int length, final long key)
    {
        long last = arena.getLong(head + LIST_LAST_OFFSET);
        if (last == NIL || arena.getInt(last + VALUE_CHUNK_COUNT_OFFSET) ==
            arena.getInt(last + VALUE_CHUNK_CAPACITY_OFFSET))
        {
            last = chainSlowPath(arena, head, last);
        }
        final int count = arena.getInt(last + VALUE_CHUNK_COUNT_OFFSET);
        final long entry = last + VALUE_CHUNK_ENTRIES_OFFSET + (long)VALUE_ENTRY_LENGTH * count;
        arena.putInt(entry + VALUE_ENTRY_PAIR_OFFSET, pair);
        arena.putInt(entry + VALUE_ENTRY_LENGTH_OFFSET, length);
        arena.putLong(entry + VALUE_ENTRY_KEY_OFFSET, key);
        arena.putInt(last + VALUE_CHUNK_COUNT_OFFSET, count + 1);
        arena.putInt(head + LIST_COUNT_OFFSET, arena.getInt(head + LIST_COUNT_OFFSET) + 1);
    }

    /** The first eight bytes of {@code segment[offset, offset + length)}, zero-padded, little-endian. */
    static long key(final MemorySegment segment, final long offset, final int length)
    {
        if (length >= 8)
        {
            return segment.get(LONG_LE_UNALIGNED, offset);
        }
        long key = 0;
        for (int i = 0; i < length; i++)
        {
            key |= (segment.get(ValueLayout.JAVA_BYTE, offset + i) & 0xFFL) << (8 * i);
        }
        return key;
    }

    /** The mask selecting the first {@code min(length, 8)} bytes of a key. */
    static long keyMask(final int length)
    {
        return length >= 8 ? -1L : (1L << (8 * length)) - 1;
    }

    /** Copies every pair id into {@code dst}; returns the count. */
    static int copyPairs(final SlabArena arena, final long head, final int[] dst)
    {
        int n = 0;
        for (long chunk = arena.getLong(head + LIST_FIRST_OFFSET); chunk != NIL;
            chunk = arena.getLong(chunk + VALUE_CHUNK_NEXT_OFFSET))
        {
            final MemorySegment slab = arena.slab(chunk);
            final long o = SlabArena.offset(chunk);
            final int count = slab.get(INT, o + VALUE_CHUNK_COUNT_OFFSET);
            for (int i = 0; i < count; i++)
            {
                dst[n++] = slab.get(INT, o + VALUE_CHUNK_ENTRIES_OFFSET + (long)VALUE_ENTRY_LENGTH * i);
            }
        }
        return n;
    }

    /**
     * Copies the pair ids of the values that may start with a prefix whose first bytes are {@code key & mask} and
     * whose length is {@code prefixLength} into {@code dst} (exactly those that do, for a prefix of up to 8 bytes);
     * returns the count.
     */
    static int copyPairsWithKey(final SlabArena arena, final long head, final long key, final long mask,
        final int prefixLength, final int[] dst)
    {
        int n = 0;
        for (long chunk = arena.getLong(head + LIST_FIRST_OFFSET); chunk != NIL;
            chunk = arena.getLong(chunk + VALUE_CHUNK_NEXT_OFFSET))
        {
            final MemorySegment slab = arena.slab(chunk);
            final long o = SlabArena.offset(chunk);
            final int count = slab.get(INT, o + VALUE_CHUNK_COUNT_OFFSET);
            for (int i = 0; i < count; i++)
            {
                final long entry = o + VALUE_CHUNK_ENTRIES_OFFSET + (long)VALUE_ENTRY_LENGTH * i;
                if ((slab.get(LONG, entry + VALUE_ENTRY_KEY_OFFSET) & mask) == key &&
                    slab.get(INT, entry + VALUE_ENTRY_LENGTH_OFFSET) >= prefixLength)
                {
                    dst[n++] = slab.get(INT, entry + VALUE_ENTRY_PAIR_OFFSET);
                }
            }
        }
        return n;
    }

    /**
     * Removes the list's last entry if it is pair {@code pair} (undoing a failed add that created the pair); a chunk
     * left empty goes back to the arena.
     */
    static void removeLast(final SlabArena arena, final long head, final int pair)
    {
        final long last = arena.getLong(head + LIST_LAST_OFFSET);
        if (last == NIL)
        {
            return;
        }
        final int count = arena.getInt(last + VALUE_CHUNK_COUNT_OFFSET);
        if (count == 0 || arena.getInt(last + VALUE_CHUNK_ENTRIES_OFFSET + (long)VALUE_ENTRY_LENGTH * (count - 1) +
            VALUE_ENTRY_PAIR_OFFSET) != pair)
        {
            return;
        }
        arena.putInt(last + VALUE_CHUNK_COUNT_OFFSET, count - 1);
        arena.putInt(head + LIST_COUNT_OFFSET, arena.getInt(head + LIST_COUNT_OFFSET) - 1);
        if (count == 1)
        {
            Postings.unlinkLast(arena, head, last, VALUE_CHUNK_NEXT_OFFSET,
                VALUE_CHUNK_ENTRIES_OFFSET + VALUE_ENTRY_LENGTH * arena.getInt(last + VALUE_CHUNK_CAPACITY_OFFSET));
        }
    }

    /** Validates the chain: counts within capacities, the head's count their sum, its last pointer the last chunk. */
    static void checkList(final SlabArena arena, final long head)
    {
        long total = 0;
        long lastSeen = NIL;
        for (long chunk = arena.getLong(head + LIST_FIRST_OFFSET); chunk != NIL;
            chunk = arena.getLong(chunk + VALUE_CHUNK_NEXT_OFFSET))
        {
            final int count = arena.getInt(chunk + VALUE_CHUNK_COUNT_OFFSET);
            final int capacity = arena.getInt(chunk + VALUE_CHUNK_CAPACITY_OFFSET);
            if (count < 0 || count > capacity)
            {
                throw new IllegalStateException("value chunk at 0x" + Long.toHexString(chunk) + " has count " +
                    count + " and capacity " + capacity);
            }
            total += count;
            lastSeen = chunk;
        }
        if (total != count(arena, head) || lastSeen != arena.getLong(head + LIST_LAST_OFFSET))
        {
            throw new IllegalStateException("value list at 0x" + Long.toHexString(head) + " has count " +
                count(arena, head) + " but its chunks hold " + total);
        }
    }

    private static long chainSlowPath(final SlabArena arena, final long head, final long last)
    {
        final int sizeClass = last == NIL ? FIRST_CLASS : Math.min(LAST_CLASS,
            SlabArena.classFor(VALUE_CHUNK_ENTRIES_OFFSET +
                VALUE_ENTRY_LENGTH * arena.getInt(last + VALUE_CHUNK_CAPACITY_OFFSET)) + 2);
        final long chunk = arena.allocate(sizeClass);
        arena.putLong(chunk + VALUE_CHUNK_NEXT_OFFSET, NIL);
        arena.putInt(chunk + VALUE_CHUNK_COUNT_OFFSET, 0);
        arena.putInt(chunk + VALUE_CHUNK_CAPACITY_OFFSET,
            (SlabArena.classBytes(sizeClass) - VALUE_CHUNK_ENTRIES_OFFSET) / VALUE_ENTRY_LENGTH);
        if (last == NIL)
        {
            arena.putLong(head + LIST_FIRST_OFFSET, chunk);
        }
        else
        {
            arena.putLong(last + VALUE_CHUNK_NEXT_OFFSET, chunk);
        }
        arena.putLong(head + LIST_LAST_OFFSET, chunk);
        return chunk;
    }
}
