package io.shardwal.index;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The off-heap layouts of one index shard, all little-endian, all in {@link SlabArena}s (in memory only, never
 * persisted). An <em>address</em> is {@code slabIndex << SLAB_SHIFT | offsetInSlab}; address 0 is reserved as
 * {@link #NIL}. Every field is naturally aligned.
 *
 * <h2>Series record (record arena, 8-byte aligned, bump-allocated so addresses only grow)</h2>
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                        Series id (u64)                        |
 *  +---------------------------------------------------------------+
 *  |            Add sequence (u64, global, stamped under lock)     |
 *  +-------------------------------+-------------------------------+
 *  |        Label count (u16)      |  Flags (u16: REMOVED|DISPLACED)|
 *  +-------------------------------+-------------------------------+
 *  |                 Pair id of label 0 (u32) ...                  |
 *  +---------------------------------------------------------------+
 * </pre>
 * A record's <em>ref</em> is its address divided by 8 (a non-negative int). Postings lists hold refs; since records are
 * only appended, refs of new series are larger than all earlier ones, so a postings list stays sorted by appending.
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
 *  pair   (64): | Name index (u32) | Value string id (u32) | Postings list head: refs (24) | Live series (u32) |
 *               | Name string id (u32) | Created sequence (u64) | Value bytes address (u64) | Value length (u32) |
 *               | Spare (u32) |
 *  (the value's bytes are repeated from its string entry so a scan over a label's values reads one entry less)
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
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The null address. */
    static final long NIL = 0;
    /**
     * Addresses: {@code slab << SLAB_SHIFT | offset}; a slab is at most {@code 1 << SLAB_SHIFT} bytes (256 KiB), which
     * bounds the reserved-but-unused tail of each arena.
     */
    static final int SLAB_SHIFT = 18;
    static final long OFFSET_MASK = (1L << SLAB_SHIFT) - 1;
    static final int MAX_SLAB_BYTES = 1 << SLAB_SHIFT;
    /** Refs are {@code address >>> 3} and must stay non-negative ints: 2^(31 + 3 - SLAB_SHIFT) record slabs. */
    static final int MAX_RECORD_SLABS = 1 << (31 + 3 - SLAB_SHIFT);

    // series record
    static final int RECORD_ID_OFFSET = 0;
    static final int RECORD_ADD_SEQ_OFFSET = 8;
    static final int RECORD_LABEL_COUNT_OFFSET = 16;
    static final int RECORD_FLAGS_OFFSET = 18;
    static final int RECORD_PAIRS_OFFSET = 20;
    static final short FLAG_REMOVED = 1;
    static final short FLAG_DISPLACED = 2;
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
    static final int PAIR_LIVE_OFFSET = 32;
    static final int PAIR_NAME_STRING_OFFSET = 36;
    static final int PAIR_CREATED_SEQ_OFFSET = 40;
    static final int PAIR_VALUE_BYTES_OFFSET = 48;
    static final int PAIR_VALUE_LENGTH_OFFSET = 56;
    static final int PAIR_ENTRY_LENGTH = 64;

    private IndexDescriptor()
    {
    }

    /** Bytes of a record with {@code labelCount} labels, 8-byte aligned. */
    static int recordLength(final int labelCount)
    {
        return (RECORD_PAIRS_OFFSET + 4 * labelCount + 7) & ~7;
    }

    static int refOf(final long recordAddress)
    {
        return (int)(recordAddress >>> 3);
    }

    static long addressOfRef(final int ref)
    {
        return ((long)ref) << 3;
    }

    /** Entries a chunk of size class {@code sizeClass} holds. */
    static int chunkCapacity(final int sizeClass)
    {
        return (SlabArena.classBytes(sizeClass) - CHUNK_ENTRIES_OFFSET) / Integer.BYTES;
    }

    /**
     * Validates a record in place: a label count within limits, known flags, strictly ascending pair ids are not
     * required (pairs are in label-name order), so only structure is checked.
     *
     * @throws IllegalStateException naming the ref and the broken field.
     */
    static void checkRecord(final MemorySegment slab, final long offset, final int ref)
    {
        final int count = Short.toUnsignedInt(slab.get(SHORT, offset + RECORD_LABEL_COUNT_OFFSET));
        final short flags = slab.get(SHORT, offset + RECORD_FLAGS_OFFSET);
        if (count == 0 || offset + recordLength(count) > slab.byteSize())
        {
            throw new IllegalStateException("series record at ref " + ref + " has a bad label count " + count);
        }
        if ((flags & ~(FLAG_REMOVED | FLAG_DISPLACED)) != 0)
        {
            throw new IllegalStateException("series record at ref " + ref + " has unknown flags 0x" +
                Integer.toHexString(flags & 0xFFFF));
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
