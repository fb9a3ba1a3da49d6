package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.INT;
import static io.shardwal.index.IndexDescriptor.LIST_FIRST_OFFSET;
import static io.shardwal.index.IndexDescriptor.LIST_LAST_OFFSET;
import static io.shardwal.index.IndexDescriptor.LONG;
import static io.shardwal.index.IndexDescriptor.NIL;
import static io.shardwal.index.IndexDescriptor.PAIR_BITMAP_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_POSTINGS_OFFSET;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.agrona.collections.IntArrayList;

/**
 * The dense postings of one shard, held as bitmaps instead of lists. A pair whose list reaches
 * {@link IndexOptions#bitmapMinEntries()} ordinals and at least 1/32 of the shard's turns into a bitmap, one bit per
 * ordinal: its list's chunks go back to the arena and its count moves to the heap, beside the bitmap's table of
 * blocks. From then on an add sets a bit and counts on the heap instead of appending an entry, and a query keeps or
 * drops a candidate by one bit test instead of searching a list. Above a density of 1/32 a bitmap is smaller than a
 * list of the same ordinals.
 *
 * <p>A bitmap is a table of 512-byte blocks (4,096 ordinals each) taken from the shard's {@link SlabArena} when the
 * first ordinal of their range is set; ranges without a bit have no block. A block takes as many bytes as a list of 128
 * entries, so with the default minimum of 128 entries a bitmap stays within about its list's size even in a small
 * shard, whose last block is mostly empty. When a bitmap needs a new block while its pair holds less than 1/64 of the
 * shard's ordinals, the pair turns back into a list and the bitmap's blocks go back to the arena: a pair that was
 * dense early does not keep allocating blocks for a few bits each.
 *
 * <p>So a pair's postings are either its list or its bitmap, never both: everything that reads them goes through
 * {@link #copyTo}, {@link PostingsCursor#reset(DenseBitmaps, long)} or {@link #filter}. Written under the shard's
 * write lock, read under its read lock. The pair entry holds the bitmap's number
 * ({@link IndexDescriptor#PAIR_BITMAP_OFFSET}, 0 for a list).
 */
final class DenseBitmaps
{
    static final int BLOCK_BYTES = 512;
    private static final int BLOCK_SHIFT = 12;
    /** Ordinals one block covers: 4,096. */
    static final int BLOCK_ORDINALS = 1 << BLOCK_SHIFT;
    private static final int BLOCK_MASK = (1 << BLOCK_SHIFT) - 1;
    private static final int BLOCK_CLASS = SlabArena.classFor(BLOCK_BYTES);
    private static final int WORDS = BLOCK_BYTES / 8;
    private static final long[] NO_BLOCKS = new long[0];

    private final SlabArena arena;
    private final int minEntries;
    /** For {@link #create}, under the write lock. */
    private final PostingsCursor cursor = new PostingsCursor();
    private final IntArrayList freeNumbers = new IntArrayList();
    /** Blocks of bitmap {@code b} at {@code tables[b - 1]}; NIL for a range with no bit set. */
    private long[][] tables = new long[4][];
    /** Ordinals set in bitmap {@code b}, at {@code counts[b - 1]}. */
    private int[] counts = new int[4];
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

    SlabArena arena()
    {
        return arena;
    }

    /**
     * Adds {@code ordinal}, above every ordinal the pair holds, to the postings of the pair at {@code pairEntry} (whose
     * slab is {@code pairSlab}) in a shard of {@code ordinals} ordinals: sets its bit if the pair has a bitmap, else
     * appends it to the list, which turns into a bitmap if it just became dense enough. Returns the pair's new count.
     * After a failure (no memory for a chunk or a block) the postings are whole, as a list or a bitmap, and may or may
     * not hold the ordinal: {@link #undoAdd} takes it out either way.
     */
    int add(final long pairEntry, final MemorySegment pairSlab, final int ordinal, final int ordinals)
    {
        final long pairOffset = SlabArena.offset(pairEntry);
        final int bitmap = pairSlab.get(INT, pairOffset + PAIR_BITMAP_OFFSET);
        if (bitmap == 0)
        {
            final int entries = Postings.append(arena, pairEntry + PAIR_POSTINGS_OFFSET, pairSlab, ordinal);
            if (entries >= minEntries && 32L * entries >= ordinals)
            {
                create(pairEntry);
            }
            return entries;
        }
        final int entries = counts[bitmap - 1] + 1;
        final long[] table = tables[bitmap - 1];
        final int block = ordinal >>> BLOCK_SHIFT;
        final long address = block < table.length ? table[block] : NIL;
        if (address != NIL)
        {
            // the common case, the ordinal's block exists: one slab lookup for the read and the write of its word
            final MemorySegment slab = arena.slab(address);
            final long word = SlabArena.offset(address) + wordOffset(ordinal);
            slab.set(LONG, word, slab.get(LONG, word) | (1L << ordinal));
        }
        else if (64L * entries < ordinals)
        {
            toList(pairEntry, bitmap); // too sparse to take a new block
            return Postings.append(arena, pairEntry + PAIR_POSTINGS_OFFSET, pairSlab, ordinal);
        }
        else
        {
            setBit(bitmap, ordinal);
        }
        counts[bitmap - 1] = entries;
        return entries;
    }

    /** How many ordinals the postings of the pair at {@code pairEntry} hold, as a list or a bitmap. */
    int count(final long pairEntry)
    {
        final int bitmap = of(pairEntry);
        return bitmap == 0 ? Postings.count(arena, pairEntry + PAIR_POSTINGS_OFFSET) : counts[bitmap - 1];
    }

    /**
     * Undoes {@link #add} of {@code ordinal} to the pair at {@code pairEntry} for a failed add of a series: takes it
     * out of the list or the bitmap if it is there. A change of form the add made stays; the postings are the same.
     */
    void undoAdd(final long pairEntry, final int ordinal)
    {
        final long head = pairEntry + PAIR_POSTINGS_OFFSET;
        final int bitmap = of(pairEntry);
        if (bitmap == 0)
        {
            Postings.removeLast(arena, head, ordinal);
            return;
        }
        final long[] table = tables[bitmap - 1];
        final int block = ordinal >>> BLOCK_SHIFT;
        final long word = block < table.length && table[block] != NIL ? table[block] + wordOffset(ordinal) : NIL;
        if (word != NIL && (arena.getLong(word) & (1L << ordinal)) != 0)
        {
            arena.putLong(word, arena.getLong(word) & ~(1L << ordinal));
            counts[bitmap - 1]--;
        }
    }

    /**
     * Copies the postings of the pair at {@code pairEntry}, ascending, to {@code dst} from {@code at}; returns how many
     * it copied.
     */
    int copyTo(final long pairEntry, final int[] dst, final int at)
    {
        final int bitmap = of(pairEntry);
        if (bitmap == 0)
        {
            return Postings.copyTo(arena, pairEntry + PAIR_POSTINGS_OFFSET, dst, at);
        }
        final long[] table = tables[bitmap - 1];
        int n = at;
        for (int block = 0; block < table.length; block++)
        {
            final long address = table[block];
            if (address == NIL)
            {
                continue;
            }
            final MemorySegment slab = arena.slab(address);
            final long offset = SlabArena.offset(address);
            for (int w = 0; w < WORDS; w++)
            {
                long word = slab.get(LONG, offset + 8L * w);
                while (word != 0)
                {
                    dst[n++] = (block << BLOCK_SHIFT) + (w << 6) + Long.numberOfTrailingZeros(word);
                    word &= word - 1;
                }
            }
        }
        return n - at;
    }

    /** The least ordinal {@code >= from} in bitmap {@code bitmap}, or -1 if there is none. */
    int nextSetBit(final int bitmap, final int from)
    {
        final long[] table = tables[bitmap - 1];
        int block = from >>> BLOCK_SHIFT;
        int w = (from & BLOCK_MASK) >>> 6;
        long mask = -1L << from; // shifts by from & 63
        for (; block < table.length; block++, w = 0, mask = -1L)
        {
            final long address = table[block];
            if (address == NIL)
            {
                continue;
            }
            final MemorySegment slab = arena.slab(address);
            final long offset = SlabArena.offset(address);
            for (; w < WORDS; w++, mask = -1L)
            {
                final long word = slab.get(LONG, offset + 8L * w) & mask;
                if (word != 0)
                {
                    return (block << BLOCK_SHIFT) + (w << 6) + Long.numberOfTrailingZeros(word);
                }
            }
        }
        return -1;
    }

    /** Whether bitmap {@code bitmap} has {@code ordinal} (tests: the reference for {@link #filter}). */
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
        long bytes = 16L + 8L * tables.length + 16L + 4L * counts.length + 4L * freeNumbers.capacity();
        for (int b = 0; b < used; b++)
        {
            bytes += tables[b] == null ? 0 : 16L + 8L * tables[b].length;
        }
        return bytes;
    }

    /**
     * Checks the postings of the pair at {@code pairEntry}: its list ({@link Postings#checkList}), or its bitmap, which
     * must exist, leave the list empty and hold as many ordinals as it counts.
     *
     * @throws IllegalStateException naming the pair's entry and the first difference.
     */
    void check(final long pairEntry)
    {
        final long head = pairEntry + PAIR_POSTINGS_OFFSET;
        final int bitmap = of(pairEntry);
        if (bitmap == 0)
        {
            Postings.checkList(arena, head);
            return;
        }
        if (bitmap > used || tables[bitmap - 1] == null)
        {
            throw new IllegalStateException("pair at 0x" + Long.toHexString(pairEntry) + " names bitmap " + bitmap +
                ", which does not exist");
        }
        if (arena.getLong(head + LIST_FIRST_OFFSET) != NIL || arena.getLong(head + LIST_LAST_OFFSET) != NIL ||
            Postings.count(arena, head) != 0)
        {
            throw new IllegalStateException("pair at 0x" + Long.toHexString(pairEntry) + " has bitmap " + bitmap +
                " and still a list");
        }
        long bits = 0;
        for (final long address : tables[bitmap - 1])
        {
            for (int w = 0; address != NIL && w < BLOCK_BYTES; w += 8)
            {
                bits += Long.bitCount(arena.getLong(address + w));
            }
        }
        if (bits != counts[bitmap - 1])
        {
            throw new IllegalStateException("bitmap " + bitmap + " of the pair at 0x" + Long.toHexString(pairEntry) +
                " holds " + bits + " ordinals but counts " + counts[bitmap - 1]);
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
                counts = Arrays.copyOf(counts, used * 2);
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
            release(bitmap); // a block could not be had: the pair goes on with its list, as it was
            throw e;
        }
        arena.putInt(pairEntry + PAIR_BITMAP_OFFSET, bitmap);
        counts[bitmap - 1] = Postings.count(arena, pairEntry + PAIR_POSTINGS_OFFSET);
        Postings.clear(arena, pairEntry + PAIR_POSTINGS_OFFSET);
    }

    /** Turns the pair's postings from bitmap {@code bitmap} back into a list and releases the bitmap. */
    private void toList(final long pairEntry, final int bitmap)
    {
        final long head = pairEntry + PAIR_POSTINGS_OFFSET;
        try
        {
            for (int ordinal = nextSetBit(bitmap, 0); ordinal >= 0; ordinal = nextSetBit(bitmap, ordinal + 1))
            {
                Postings.append(arena, head, arena.slab(head), ordinal);
            }
        }
        catch (final RuntimeException | Error e)
        {
            Postings.clear(arena, head); // a chunk could not be had: the bitmap holds them, as it did
            throw e;
        }
        drop(pairEntry, bitmap);
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
        counts[bitmap - 1] = 0;
        freeNumbers.addInt(bitmap);
    }

    private static long wordOffset(final int ordinal)
    {
        return (long)((ordinal & BLOCK_MASK) >>> 6) << 3;
    }
}
