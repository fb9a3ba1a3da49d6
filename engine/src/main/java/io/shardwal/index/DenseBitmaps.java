package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.INT;
import static io.shardwal.index.IndexDescriptor.LONG;
import static io.shardwal.index.IndexDescriptor.NIL;
import static io.shardwal.index.IndexDescriptor.PAIR_BITMAP_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_POSTINGS_OFFSET;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.agrona.collections.IntArrayList;

/**
 * Bitmaps beside the dense postings lists of one shard. A pair whose list holds at least
 * {@link IndexOptions#bitmapMinEntries()} ordinals and at least 1/32 of the shard's also gets a bitmap, one bit per
 * ordinal, so that a query keeps or drops a candidate by one bit test instead of searching the list. Above a density
 * of 1/32 a bitmap is smaller than its list.
 *
 * <p>A bitmap is a table of 512-byte blocks (4,096 ordinals each) taken from the shard's {@link SlabArena} when the
 * first ordinal of their range is set; ranges without a bit have no block. A block takes as many bytes as a list of 128
 * entries, so with the default minimum of 128 entries a bitmap stays within about its list's size even in a small
 * shard, whose last block is mostly empty. When a bitmap needs a new block while its pair holds less than 1/64 of the
 * shard's ordinals, it is dropped (its blocks go back to the arena) and the list serves alone: a pair that was dense
 * early does not keep allocating blocks for a few bits each. The list stays the record of the postings; a bitmap is a
 * copy that can always be rebuilt from it.
 *
 * <p>Written under the shard's write lock, read under its read lock, like the lists. The pair entry holds the
 * bitmap's number ({@link IndexDescriptor#PAIR_BITMAP_OFFSET}, 0 for none).
 */
final class DenseBitmaps
{
    static final int BLOCK_BYTES = 512;
    private static final int BLOCK_SHIFT = 12;
    /** Ordinals one block covers: 4,096. */
    static final int BLOCK_ORDINALS = 1 << BLOCK_SHIFT;
    private static final int BLOCK_MASK = (1 << BLOCK_SHIFT) - 1;
    private static final int BLOCK_CLASS = SlabArena.classFor(BLOCK_BYTES);
    private static final long[] NO_BLOCKS = new long[0];

    private final SlabArena arena;
    private final int minEntries;
    /** For {@link #create}, under the write lock. */
    private final PostingsCursor cursor = new PostingsCursor();
    private final IntArrayList freeNumbers = new IntArrayList();
    /** Blocks of bitmap {@code b} at {@code tables[b - 1]}; NIL for a range with no bit set. */
    private long[][] tables = new long[4][];
    private int used;
    private long blocks;

    DenseBitmaps(final SlabArena arena, final int minEntries)
    {
        this.arena = arena;
        this.minEntries = minEntries;
    }

    /** The bitmap of the pair at {@code pairEntry}, or 0. */
    int of(final long pairEntry)
    {
        return arena.getInt(pairEntry + PAIR_BITMAP_OFFSET);
    }

    /**
     * After {@code ordinal} was appended to the list of the pair at {@code pairEntry} (whose slab is {@code pairSlab}),
     * which now holds {@code entries} ordinals, in a shard of {@code ordinals} ordinals: sets its bit, or gives the
     * pair a bitmap if its list just became dense enough.
     */
    void appended(final long pairEntry, final MemorySegment pairSlab, final int entries, final int ordinal,
        final int ordinals)
    {
        final int bitmap = pairSlab.get(INT, SlabArena.offset(pairEntry) + PAIR_BITMAP_OFFSET);
        if (bitmap != 0)
        {
            set(pairEntry, bitmap, entries, ordinal, ordinals);
        }
        else if (entries >= minEntries && 32L * entries >= ordinals)
        {
            create(pairEntry);
        }
    }

    /** Whether bitmap {@code bitmap} has {@code ordinal}. */
    boolean contains(final int bitmap, final int ordinal)
    {
        final long[] table = tables[bitmap - 1];
        final int block = ordinal >>> BLOCK_SHIFT;
        if (block >= table.length)
        {
            return false;
        }
        final long address = table[block];
        return address != NIL && (arena.getLong(address + wordOffset(ordinal)) & (1L << ordinal)) != 0;
    }

    /**
     * Keeps ({@code keep}) or drops the first {@code count} ordinals of {@code ordinals} (ascending) that bitmap
     * {@code bitmap} holds, compacting the kept ones to the front; returns how many were kept. Ascending candidates
     * stay in one block for long runs, so the block is looked up once per run rather than once per candidate.
     */
    int filter(final int bitmap, final int[] ordinals, final int count, final boolean keep)
    {
        final long[] table = tables[bitmap - 1];
        int kept = 0;
        int block = -1;
        MemorySegment slab = null;
        long base = 0;
        for (int j = 0; j < count; j++)
        {
            final int ordinal = ordinals[j];
            if (ordinal >>> BLOCK_SHIFT != block)
            {
                block = ordinal >>> BLOCK_SHIFT;
                final long address = block < table.length ? table[block] : NIL;
                slab = address == NIL ? null : arena.slab(address);
                base = SlabArena.offset(address);
            }
            final boolean member = slab != null && (slab.get(LONG, base + wordOffset(ordinal)) & (1L << ordinal)) != 0;
            if (member == keep)
            {
                ordinals[kept++] = ordinal;
            }
        }
        return kept;
    }

    /** Blocks held by all bitmaps (each {@value #BLOCK_BYTES} bytes of the arena). */
    long blocks()
    {
        return blocks;
    }

    /** Heap of the block tables. */
    long heapBytes()
    {
        long bytes = 16L + 8L * tables.length + 4L * freeNumbers.capacity();
        for (int b = 0; b < used; b++)
        {
            bytes += tables[b] == null ? 0 : 16L + 8L * tables[b].length;
        }
        return bytes;
    }

    /**
     * Checks the bitmap of the pair at {@code pairEntry}, if any, against its list: every listed ordinal is set and
     * no other.
     *
     * @throws IllegalStateException naming the pair's entry and the first difference.
     */
    void check(final long pairEntry)
    {
        final int bitmap = of(pairEntry);
        if (bitmap == 0)
        {
            return;
        }
        if (bitmap > used || tables[bitmap - 1] == null)
        {
            throw new IllegalStateException("pair at 0x" + Long.toHexString(pairEntry) + " names bitmap " + bitmap +
                ", which does not exist");
        }
        // A cursor of its own: checks run under the read lock, possibly in several threads at once.
        final PostingsCursor list = new PostingsCursor();
        long listed = 0;
        if (list.reset(arena, pairEntry + PAIR_POSTINGS_OFFSET))
        {
            do
            {
                if (!contains(bitmap, list.at()))
                {
                    throw new IllegalStateException("bitmap " + bitmap + " of the pair at 0x" +
                        Long.toHexString(pairEntry) + " lacks listed ordinal " + list.at());
                }
                listed++;
            }
            while (list.next());
        }
        long bits = 0;
        for (final long address : tables[bitmap - 1])
        {
            for (int w = 0; address != NIL && w < BLOCK_BYTES; w += 8)
            {
                bits += Long.bitCount(arena.getLong(address + w));
            }
        }
        if (bits != listed)
        {
            throw new IllegalStateException("bitmap " + bitmap + " of the pair at 0x" + Long.toHexString(pairEntry) +
                " holds " + bits + " ordinals but its list " + listed);
        }
    }

    private void create(final long pairEntry)
    {
        final int bitmap;
        if (freeNumbers.isEmpty())
        {
            if (used == tables.length)
            {
                tables = Arrays.copyOf(tables, used * 2);
            }
            bitmap = ++used;
        }
        else
        {
            bitmap = freeNumbers.removeAt(freeNumbers.size() - 1);
        }
        tables[bitmap - 1] = NO_BLOCKS;
        try
        {
            if (cursor.reset(arena, pairEntry + PAIR_POSTINGS_OFFSET))
            {
                do
                {
                    setBit(bitmap, cursor.at());
                }
                while (cursor.next());
            }
        }
        catch (final RuntimeException | Error e)
        {
            release(bitmap); // a block could not be had: the pair goes on without a bitmap, as it was
            throw e;
        }
        arena.putInt(pairEntry + PAIR_BITMAP_OFFSET, bitmap);
    }

    /**
     * Undoes {@link #appended} for the failed add of {@code ordinal} to the pair at {@code pairEntry}: clears its bit.
     * A bitmap the add created stays; it is a faithful copy of the list without the ordinal.
     */
    void unset(final long pairEntry, final int ordinal)
    {
        final int bitmap = of(pairEntry);
        if (bitmap == 0)
        {
            return;
        }
        final long[] table = tables[bitmap - 1];
        final int block = ordinal >>> BLOCK_SHIFT;
        if (block < table.length && table[block] != NIL)
        {
            final long word = table[block] + wordOffset(ordinal);
            arena.putLong(word, arena.getLong(word) & ~(1L << ordinal));
        }
    }

    /** Drops the bitmap of the pair at {@code pairEntry}, if any (the pair itself is being undone). */
    void dropIfAny(final long pairEntry)
    {
        final int bitmap = of(pairEntry);
        if (bitmap != 0)
        {
            drop(pairEntry, bitmap);
        }
    }

    private void set(final long pairEntry, final int bitmap, final int entries, final int ordinal, final int ordinals)
    {
        final long[] table = tables[bitmap - 1];
        final int block = ordinal >>> BLOCK_SHIFT;
        final long address = block < table.length ? table[block] : NIL;
        if (address == NIL)
        {
            if (64L * entries < ordinals)
            {
                drop(pairEntry, bitmap);
                return;
            }
            setBit(bitmap, ordinal);
            return;
        }
        // the common case, the ordinal's block exists: one slab lookup for the read and the write of its word
        final MemorySegment slab = arena.slab(address);
        final long word = SlabArena.offset(address) + wordOffset(ordinal);
        slab.set(LONG, word, slab.get(LONG, word) | (1L << ordinal));
    }

    private void setBit(final int bitmap, final int ordinal)
    {
        long[] table = tables[bitmap - 1];
        final int block = ordinal >>> BLOCK_SHIFT;
        if (block >= table.length)
        {
            table = Arrays.copyOf(table, Math.max(block + 1, table.length * 2));
            tables[bitmap - 1] = table;
        }
        long address = table[block];
        if (address == NIL)
        {
            address = arena.allocate(BLOCK_CLASS);
            arena.slab(address).asSlice(SlabArena.offset(address), BLOCK_BYTES).fill((byte)0);
            table[block] = address;
            blocks++;
        }
        final long word = address + wordOffset(ordinal);
        arena.putLong(word, arena.getLong(word) | (1L << ordinal));
    }

    private void drop(final long pairEntry, final int bitmap)
    {
        release(bitmap);
        arena.putInt(pairEntry + PAIR_BITMAP_OFFSET, 0);
    }

    /** Returns bitmap {@code bitmap}'s blocks to the arena and its number to the free numbers. */
    private void release(final int bitmap)
    {
        for (final long address : tables[bitmap - 1])
        {
            if (address != NIL)
            {
                arena.free(address, BLOCK_CLASS);
                blocks--;
            }
        }
        tables[bitmap - 1] = null;
        freeNumbers.addInt(bitmap);
    }

    private static long wordOffset(final int ordinal)
    {
        return (long)((ordinal & BLOCK_MASK) >>> 6) << 3;
    }
}
