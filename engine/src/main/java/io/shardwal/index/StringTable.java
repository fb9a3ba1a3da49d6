package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.STRING_BYTES_OFFSET;
import static io.shardwal.index.IndexDescriptor.STRING_ENTRY_LENGTH;
import static io.shardwal.index.IndexDescriptor.STRING_HASH_OFFSET;
import static io.shardwal.index.IndexDescriptor.STRING_LENGTH_OFFSET;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import org.agrona.collections.Int2IntHashMap;

/**
 * The label strings (names and values) of one shard, interned to dense int ids. The UTF-8 bytes live off-heap in
 * the shard's {@link SlabArena}; the heap holds only an Agrona {@link Int2IntHashMap} from a 32-bit hash to the id.
 * Two strings with the same hash are told apart by comparing bytes: a lookup probes {@code hash, hash + 1, ...} until
 * it finds the string or an unused key, so the map never merges different strings. Strings are never removed (a
 * shard compaction rebuilds the table).
 *
 * <p>Not thread-safe: the owning shard's lock guards it (read lock for {@link #find}, write lock for
 * {@link #intern}).
 */
final class StringTable
{
    static final int MISSING = -1;

    private final SlabArena arena;
    private final EntryTable entries;
    private final Int2IntHashMap byHash = new Int2IntHashMap(64, 0.65f, MISSING);

    StringTable(final SlabArena arena)
    {
        this.arena = arena;
        this.entries = new EntryTable(arena, STRING_ENTRY_LENGTH);
    }

    int size()
    {
        return entries.size();
    }

    /** The id of the string {@code bytes[offset, offset + length)} with in-memory hash {@code hash}, or MISSING. */
    int find(final byte[] bytes, final int offset, final int length, final int hash)
    {
        int key = hash;
        while (true)
        {
            final int id = byHash.get(key);
            if (id == MISSING || equals(id, bytes, offset, length))
            {
                return id;
            }
            key++;
        }
    }

    /** The id of the string, adding it if it is new. */
    int intern(final byte[] bytes, final int offset, final int length, final int hash)
    {
        int key = hash;
        while (true)
        {
            final int id = byHash.get(key);
            if (id == MISSING)
            {
                return add(key, bytes, offset, length, hash);
            }
            if (equals(id, bytes, offset, length))
            {
                return id;
            }
            key++;
        }
    }

    /** Whether string {@code id} has exactly the bytes {@code bytes[offset, offset + length)}. */
    boolean equals(final int id, final byte[] bytes, final int offset, final int length)
    {
        final long entry = entries.address(id);
        final MemorySegment slab = arena.slab(entry);
        final long o = SlabArena.offset(entry);
        if (slab.get(IndexDescriptor.INT, o + STRING_LENGTH_OFFSET) != length)
        {
            return false;
        }
        final long address = slab.get(IndexDescriptor.LONG, o + STRING_BYTES_OFFSET);
        final long at = SlabArena.offset(address);
        return MemorySegment.mismatch(
            MemorySegment.ofArray(bytes), offset, offset + length, arena.slab(address), at, at + length) == -1;
    }

    int hash(final int id)
    {
        return arena.getInt(entries.address(id) + STRING_HASH_OFFSET);
    }

    int length(final int id)
    {
        return arena.getInt(entries.address(id) + STRING_LENGTH_OFFSET);
    }

    /** Address of the first byte of string {@code id}. */
    long bytesAddress(final int id)
    {
        return arena.getLong(entries.address(id) + STRING_BYTES_OFFSET);
    }

    /** Copies the bytes of string {@code id} into {@code dst} at {@code dstOffset}. */
    void copyBytes(final int id, final byte[] dst, final int dstOffset)
    {
        final long address = bytesAddress(id);
        MemorySegment.copy(arena.slab(address), ValueLayout.JAVA_BYTE, SlabArena.offset(address), dst, dstOffset,
            length(id));
    }

    String decode(final int id)
    {
        final byte[] bytes = new byte[length(id)];
        copyBytes(id, bytes, 0);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Whether string {@code id} starts with {@code prefix} (UTF-8 bytes). */
    boolean startsWith(final int id, final byte[] prefix)
    {
        final int length = length(id);
        if (length < prefix.length)
        {
            return false;
        }
        final long address = bytesAddress(id);
        final long at = SlabArena.offset(address);
        return MemorySegment.mismatch(
            MemorySegment.ofArray(prefix), 0, prefix.length, arena.slab(address), at, at + prefix.length) == -1;
    }

    long heapBytes()
    {
        return entries.heapBytes() + 8L * byHash.capacity() + 48;
    }

    private int add(final int key, final byte[] bytes, final int offset, final int length, final int hash)
    {
        final long address = arena.allocateBump(Math.max(length, 1));
        MemorySegment.copy(bytes, offset, arena.slab(address), ValueLayout.JAVA_BYTE, SlabArena.offset(address),
            length);
        final int id = entries.append();
        final long entry = entries.address(id);
        arena.putLong(entry + STRING_BYTES_OFFSET, address);
        arena.putInt(entry + STRING_LENGTH_OFFSET, length);
        arena.putInt(entry + STRING_HASH_OFFSET, hash);
        byHash.put(key, id);
        return id;
    }
}
