package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.NIL;
import static io.shardwal.index.IndexDescriptor.TABLE_CHUNK_ENTRIES;
import static io.shardwal.index.IndexDescriptor.TABLE_CHUNK_SHIFT;

import java.util.Arrays;

/**
 * A dense table of fixed-size entries (strings, names, pairs) in a {@link SlabArena}: entry {@code i} lives in chunk
 * {@code i >>> TABLE_CHUNK_SHIFT}, so an index maps to an address with one heap array read, and the heap holds one
 * {@code long} per {@link IndexDescriptor#TABLE_CHUNK_ENTRIES} entries. New entries are zeroed.
 *
 * <p>Not thread-safe: the owning shard's lock guards it.
 */
final class EntryTable
{
    private final SlabArena arena;
    private final int entryLength;
    private long[] chunks = new long[4];
    private int size;

    EntryTable(final SlabArena arena, final int entryLength)
    {
        this.arena = arena;
        this.entryLength = entryLength;
    }

    int size()
    {
        return size;
    }

    /** Appends a zeroed entry and returns its index. */
    int append()
    {
        final int chunk = size >>> TABLE_CHUNK_SHIFT;
        if ((size & (TABLE_CHUNK_ENTRIES - 1)) == 0 && (chunk == chunks.length || chunks[chunk] == NIL))
        {
            if (chunk == chunks.length)
            {
                chunks = Arrays.copyOf(chunks, chunk * 2);
            }
            chunks[chunk] = arena.allocateBump(TABLE_CHUNK_ENTRIES * entryLength);
        }
        return size++;
    }

    /**
     * Drops the entries from {@code newSize} on (undoing a failed add), zeroing them so that appending hands them out
     * zeroed again; their chunks stay for the next appends.
     */
    void truncate(final int newSize)
    {
        for (int i = newSize; i < size; i++)
        {
            final long address = address(i);
            arena.slab(address).asSlice(SlabArena.offset(address), entryLength).fill((byte)0);
        }
        size = Math.min(size, newSize);
    }

    /** The address of entry {@code index} (which must be below {@link #size()}). */
    long address(final int index)
    {
        return chunks[index >>> TABLE_CHUNK_SHIFT] + (long)(index & (TABLE_CHUNK_ENTRIES - 1)) * entryLength;
    }

    long heapBytes()
    {
        return 16L + 8L * chunks.length;
    }
}
