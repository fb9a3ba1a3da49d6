package io.shardwal.index;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import org.agrona.collections.Long2LongHashMap;

import io.shardwal.route.XxHash64;

/**
 * What a general regex answered on the values seen so far in one query. Every shard interns its own copy of a label
 * value, so without this a query over N shards would run the regex up to N times per distinct value. Values are
 * found by their XXH64 and then compared byte for byte with a heap copy, so a hash collision can only cost a regex
 * run, never give a wrong answer.
 *
 * <p>Confined to the query's thread; lives as long as the query.
 */
final class RegexMemo
{
    static final int UNKNOWN = -1;
    static final int MISMATCHES = 0;
    static final int MATCHES = 1;

    /** Hash to {@code offset << 1 | result} of the first value with that hash. */
    private final Long2LongHashMap seen = new Long2LongHashMap(256, 0.65f, -1);
    private byte[] bytes = new byte[4096];
    private MemorySegment copies = MemorySegment.ofArray(bytes);
    private int used;

    static long hash(final MemorySegment segment, final long offset, final int length)
    {
        return XxHash64.hash(segment, offset, length, 0);
    }

    /** MATCHES or MISMATCHES if the value {@code segment[offset, offset + length)} was seen, else UNKNOWN. */
    int lookup(final long hash, final MemorySegment segment, final long offset, final int length)
    {
        final long entry = seen.get(hash);
        if (entry < 0)
        {
            return UNKNOWN;
        }
        final int at = (int)(entry >>> 1);
        if (copies.get(ValueLayout.JAVA_INT_UNALIGNED, at) != length ||
            !StringTable.bytesEqual(copies, at + 4, segment, offset, length))
        {
            return UNKNOWN; // another value with the same hash
        }
        return (entry & 1) != 0 ? MATCHES : MISMATCHES;
    }

    void remember(
        final long hash, final MemorySegment segment, final long offset, final int length, final boolean matches)
    {
        if (seen.containsKey(hash))
        {
            return; // keep the first value of a colliding hash
        }
        final int at = (used + 3) & ~3;
        if (at + 4 + length > bytes.length)
        {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, at + 4 + length));
            copies = MemorySegment.ofArray(bytes);
        }
        copies.set(ValueLayout.JAVA_INT_UNALIGNED, at, length);
        MemorySegment.copy(segment, offset, copies, at + 4, length);
        used = at + 4 + length;
        seen.put(hash, ((long)at << 1) | (matches ? 1 : 0));
    }
}
