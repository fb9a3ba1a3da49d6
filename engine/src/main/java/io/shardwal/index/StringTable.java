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
    private static final ValueLayout.OfLong LONG_UNALIGNED = ValueLayout.JAVA_LONG_UNALIGNED;

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

    /** The id of the UTF-8 string {@code src[offset, offset + length)} with in-memory hash {@code hash}, or MISSING. */
    int find(final MemorySegment src, final long offset, final int length, final int hash)
    {
        int key = hash;
        while (true)
        {
            final int id = byHash.get(key);
            if (id == MISSING || equals(id, src, offset, length))
            {
                return id;
            }
            key++;
        }
    }

    /** The id of the string, adding it if it is new. */
    int intern(final MemorySegment src, final long offset, final int length, final int hash)
    {
        int key = hash;
        while (true)
        {
            final int id = byHash.get(key);
            if (id == MISSING)
            {
                return add(key, src, offset, length, hash);
            }
            if (equals(id, src, offset, length))
            {
                return id;
            }
            key++;
        }
    }

    /** Whether string {@code id} has exactly the bytes {@code src[offset, offset + length)}. */
    boolean equals(final int id, final MemorySegment src, final long offset, final int length)
    {
        final long entry = entries.address(id);
        final MemorySegment slab = arena.slab(entry);
        final long o = SlabArena.offset(entry);
        if (slab.get(IndexDescriptor.INT, o + STRING_LENGTH_OFFSET) != length)
        {
            return false;
        }
        final long address = slab.get(IndexDescriptor.LONG, o + STRING_BYTES_OFFSET);
        return bytesEqual(src, offset, arena.slab(address), SlabArena.offset(address), length);
    }

    /**
     * Whether {@code length} bytes at {@code a[aOffset]} and {@code b[bOffset]} are equal: eight at a time, for the
     * short strings of labels much cheaper than {@link MemorySegment#mismatch}'s set-up.
     */
    static boolean bytesEqual(
        final MemorySegment a, final long aOffset, final MemorySegment b, final long bOffset, final int length)
    {
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            if (a.get(LONG_UNALIGNED, aOffset + i) != b.get(LONG_UNALIGNED, bOffset + i))
            {
                return false;
            }
        }
        for (; i < length; i++)
        {
            if (a.get(ValueLayout.JAVA_BYTE, aOffset + i) != b.get(ValueLayout.JAVA_BYTE, bOffset + i))
            {
                return false;
            }
        }
        return true;
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

    /** Whether the {@code length} bytes at {@code address} start with {@code prefix} (a whole segment). */
    boolean startsWith(final long address, final int length, final MemorySegment prefix)
    {
        final long prefixLength = prefix.byteSize();
        return length >= prefixLength &&
            bytesEqual(prefix, 0, arena.slab(address), SlabArena.offset(address), (int)prefixLength);
    }

    /**
     * Forgets the strings from id {@code newSize} on, newest first (undoing a failed add): a newer string may sit on a
     * key an older one probed past, never the reverse. Their bytes stay allocated.
     */
    void truncate(final int newSize)
    {
        for (int id = entries.size() - 1; id >= newSize; id--)
        {
            int key = hash(id);
            int found;
            while ((found = byHash.get(key)) != MISSING && found != id)
            {
                key++;
            }
            if (found == id)
            {
                byHash.remove(key);
            }
        }
        entries.truncate(newSize);
    }

    long heapBytes()
    {
        return entries.heapBytes() + 8L * byHash.capacity() + 48;
    }

    private int add(final int key, final MemorySegment src, final long offset, final int length, final int hash)
    {
        final long address = arena.allocateBump(Math.max(length, 1));
        MemorySegment.copy(src, offset, arena.slab(address), SlabArena.offset(address), length);
        final int id = entries.append();
        final long entry = entries.address(id);
        arena.putLong(entry + STRING_BYTES_OFFSET, address);
        arena.putInt(entry + STRING_LENGTH_OFFSET, length);
        arena.putInt(entry + STRING_HASH_OFFSET, hash);
        byHash.put(key, id);
        return id;
    }
}
