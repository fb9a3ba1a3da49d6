package io.shardwal.index;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The off-heap layouts of one index shard, all little-endian, all in {@link SlabArena}s (in memory only, never
 * persisted). An <em>address</em> is {@code slabIndex << SLAB_SHIFT | offsetInSlab}; address 0 is reserved as
 * {@link #NIL}. Every field is naturally aligned.
 *
 * <h2>Series entry (series table, 24 bytes, dense by ordinal)</h2>
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                        Series id (u64)                        |
 *  +---------------------------------------------------------------+
 *  |            Add sequence (u64, global, stamped under lock)     |
 *  +---------------------------------------------------------------+
 *  |  Record address (bits 0-39) | Label count (40-55) | Flags (56-63: REMOVED, DISPLACED) |
 *  +---------------------------------------------------------------+
 * </pre>
 * A series' <em>ordinal</em> is its position in the shard's series table; ordinals only grow, so a postings list stays
 * sorted by appending. A query reads only these 24 bytes per candidate, three times denser than a whole record.
 *
 * <h2>Series record (general arena, 8-byte aligned)</h2>
 * <pre>
 *  | Pair id of label 0 (u32) | Pair id of label 1 (u32) | ... in label-name order, padded to 8 bytes
 * </pre>
 *
 * <h2>Postings chunk (general arena, size-classed)</h2>
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                 Next chunk address (u64, 0 = last)            |
 *  +-------------------------------+-------------------------------+
 *  |          Count (u32)          |         Capacity (u32)        |
 *  +-------------------------------+-------------------------------+
 *  |          Entry 0 (u32)        |          Entry 1 (u32) ...    |
 *  +---------------------------------------------------------------+
 * </pre>
 * A list's entries ascend strictly across its chunks. Only a single-chunk list of up to 60 entries moves (to the next
 * size class); larger lists chain chunks of about half their size, up to {@link #MAX_CHUNK_ENTRIES} entries.
 *
 * <h2>List head (24 bytes, embedded in the entries below)</h2>
 * <pre>
 *  | First chunk address (u64) | Last chunk address (u64) | Count (u32) | Spare (u32) |
 * </pre>
 *
 * <h2>Entry tables (general arena, chunks of {@link #TABLE_CHUNK_ENTRIES} fixed-size entries)</h2>
 * <pre>
 *  string (16): | Bytes address (u64) | Length (u32) | Hash (u32) |
 *  name   (40): | Name string id (u32) | Spare (u32) | Value list head (24) | Created sequence (u64) |
 *  pair   (64): | Name index (u32) | Value string id (u32) | Postings list head: ordinals (24) | Removed (u32) |
 *               | Name string id (u32) | Created sequence (u64) | Value bytes address (u64) | Value length (u32) |
 *               | Spare (u32) |
 *  (the value's bytes are repeated from its string entry so a scan over a label's values reads one entry less;
 *  "Removed" counts the series on the postings that were removed since the last rebuild, so the live count is the
 *  postings' count minus it, and adding a series writes no counter of its own; a pair whose postings are a bitmap,
 *  {@link DenseBitmaps}, has an empty list head)
 * </pre>
 *
 * <h2>Value list chunk (general arena; the values of one name, see {@link ValueList})</h2>
 * <pre>
 *  | Next chunk address (u64) | Count (u32) | Capacity (u32) |
 *  | Pair id (u32) | Value length (u32) | First 8 value bytes, zero-padded (u64) | ... one 16-byte entry per value
 * </pre>
 */
final class IndexDescriptor
{
    /*
     * Every field is naturally aligned by construction (8-byte aligned blocks, offsets below), so the unaligned
     * layouts only spare the FFM runtime a redundant alignment check on every access of the query loops.
     */
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The null address. */
    static final long NIL = 0;
    /**
     * Addresses: {@code slab << SLAB_SHIFT | offset}; a slab is at most {@code 1 << SLAB_SHIFT} bytes (256 KiB), which
     * bounds the reserved-but-unused tail of each arena.
     */
    static final int SLAB_SHIFT = 18;
    static final long OFFSET_MASK = (1L << SLAB_SHIFT) - 1;
    static final int MAX_SLAB_BYTES = 1 << SLAB_SHIFT;
    // series entry
    static final int SERIES_ID_OFFSET = 0;
    static final int SERIES_ADD_SEQ_OFFSET = 8;
    static final int SERIES_RECORD_OFFSET = 16;
    static final int SERIES_ENTRY_LENGTH = 24;
    static final long RECORD_ADDRESS_MASK = (1L << 40) - 1;
    static final int LABEL_COUNT_SHIFT = 40;
    static final int FLAGS_SHIFT = 56;
    static final int FLAG_REMOVED = 1;
    static final int FLAG_DISPLACED = 2;
    static final int MAX_LABELS = 4096;
    static final int MAX_STRING_BYTES = 0xFFFF;

    // postings chunk
    static final int CHUNK_NEXT_OFFSET = 0;
    static final int CHUNK_COUNT_OFFSET = 8;
    static final int CHUNK_CAPACITY_OFFSET = 12;
    static final int CHUNK_ENTRIES_OFFSET = 16;
    /** Size class of a list's first chunk (24 bytes: two entries). */
    static final int FIRST_CHUNK_CLASS = 1;
    /** Size class of a full chunk (64 KiB: 16380 entries). */
    static final int MAX_CHUNK_CLASS = SlabArena.CLASS_COUNT - 1;
    static final int MAX_CHUNK_ENTRIES = chunkCapacity(MAX_CHUNK_CLASS);

    // list head
    static final int LIST_FIRST_OFFSET = 0;
    static final int LIST_LAST_OFFSET = 8;
    static final int LIST_COUNT_OFFSET = 16;
    static final int LIST_HEAD_LENGTH = 24;

    // value list chunk
    static final int VALUE_CHUNK_NEXT_OFFSET = 0;
    static final int VALUE_CHUNK_COUNT_OFFSET = 8;
    static final int VALUE_CHUNK_CAPACITY_OFFSET = 12;
    static final int VALUE_CHUNK_ENTRIES_OFFSET = 16;
    static final int VALUE_ENTRY_PAIR_OFFSET = 0;
    static final int VALUE_ENTRY_LENGTH_OFFSET = 4;
    static final int VALUE_ENTRY_KEY_OFFSET = 8;
    static final int VALUE_ENTRY_LENGTH = 16;

    // entry tables
    static final int TABLE_CHUNK_SHIFT = 9;
    static final int TABLE_CHUNK_ENTRIES = 1 << TABLE_CHUNK_SHIFT;

    static final int STRING_BYTES_OFFSET = 0;
    static final int STRING_LENGTH_OFFSET = 8;
    static final int STRING_HASH_OFFSET = 12;
    static final int STRING_ENTRY_LENGTH = 16;

    static final int NAME_STRING_OFFSET = 0;
    static final int NAME_VALUES_OFFSET = 8;
    static final int NAME_CREATED_SEQ_OFFSET = 32;
    static final int NAME_ENTRY_LENGTH = 40;

    static final int PAIR_NAME_OFFSET = 0;
    static final int PAIR_VALUE_OFFSET = 4;
    static final int PAIR_POSTINGS_OFFSET = 8;
    static final int PAIR_REMOVED_OFFSET = 32;
    static final int PAIR_NAME_STRING_OFFSET = 36;
    static final int PAIR_CREATED_SEQ_OFFSET = 40;
    static final int PAIR_VALUE_BYTES_OFFSET = 48;
    static final int PAIR_VALUE_LENGTH_OFFSET = 56;
    /** The pair's {@link DenseBitmaps} number, 0 when its postings have no bitmap. */
    static final int PAIR_BITMAP_OFFSET = 60;
    static final int PAIR_ENTRY_LENGTH = 64;

    private IndexDescriptor()
    {
    }

    /** Bytes of a record with {@code labelCount} labels, 8-byte aligned. */
    static int recordLength(final int labelCount)
    {
        return (4 * labelCount + 7) & ~7;
    }

    /** The record word of a series entry. */
    static long recordWord(final long recordAddress, final int labelCount, final int flags)
    {
        return recordAddress | ((long)labelCount << LABEL_COUNT_SHIFT) | ((long)flags << FLAGS_SHIFT);
    }

    static long recordAddress(final long recordWord)
    {
        return recordWord & RECORD_ADDRESS_MASK;
    }

    static int labelCount(final long recordWord)
    {
        return (int)(recordWord >>> LABEL_COUNT_SHIFT) & 0xFFFF;
    }

    static int flags(final long recordWord)
    {
        return (int)(recordWord >>> FLAGS_SHIFT);
    }

    /** Entries a chunk of size class {@code sizeClass} holds. */
    static int chunkCapacity(final int sizeClass)
    {
        return (SlabArena.classBytes(sizeClass) - CHUNK_ENTRIES_OFFSET) / Integer.BYTES;
    }

    /**
     * Validates a series entry's record word: a label count within limits, known flags, an address inside
     * {@code arena}.
     *
     * @throws IllegalStateException naming the ordinal and the broken field.
     */
    static void checkSeries(final long recordWord, final int ordinal, final SlabArena arena)
    {
        final int count = labelCount(recordWord);
        if (count == 0 || count > MAX_LABELS)
        {
            throw new IllegalStateException("series " + ordinal + " has a bad label count " + count);
        }
        if ((flags(recordWord) & ~(FLAG_REMOVED | FLAG_DISPLACED)) != 0)
        {
            throw new IllegalStateException("series " + ordinal + " has unknown flags 0x" +
                Integer.toHexString(flags(recordWord)));
        }
        final long address = recordAddress(recordWord);
        if (address == NIL || (address >>> SLAB_SHIFT) >= arena.slabCount() ||
            SlabArena.offset(address) + recordLength(count) > arena.slab(address).byteSize())
        {
            throw new IllegalStateException("series " + ordinal + " has a record address outside its arena: 0x" +
                Long.toHexString(address));
        }
    }

    /**
     * Validates a postings chunk: its count within its capacity and its entries strictly ascending.
     *
     * @throws IllegalStateException naming the chunk address and the broken invariant.
     */
    static void checkChunk(final MemorySegment slab, final long offset, final long address)
    {
        final int count = slab.get(INT, offset + CHUNK_COUNT_OFFSET);
        final int capacity = slab.get(INT, offset + CHUNK_CAPACITY_OFFSET);
        if (capacity <= 0 || capacity > MAX_CHUNK_ENTRIES || count < 0 || count > capacity)
        {
            throw new IllegalStateException("postings chunk at 0x" + Long.toHexString(address) + " has count " +
                count + " and capacity " + capacity);
        }
        int previous = -1;
        for (int i = 0; i < count; i++)
        {
            final int entry = slab.get(INT, offset + CHUNK_ENTRIES_OFFSET + 4L * i);
            if (entry <= previous)
            {
                throw new IllegalStateException("postings chunk at 0x" + Long.toHexString(address) +
                    " is not ascending at entry " + i + ": " + previous + " then " + entry);
            }
            previous = entry;
        }
    }
}
