package io.shardwal.route;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * XXH64, the 64-bit xxHash of Yann Collet, as specified in {@code xxhash_spec.md} (version 0.1.1). shardwal uses it
 * for everything that must hash the same bytes to the same value forever: routing keys to shards (the seed is
 * stored in {@code wal.manifest}) and series ids in the index. The implementation is checked against the
 * reference sanity vectors, so a change to it is a format change.
 *
 * <p>Stateless and thread-safe. Works over heap arrays, {@link ByteBuffer}s and {@link MemorySegment}s alike;
 * the same bytes give the same hash whatever holds them.
 */
public final class XxHash64
{
    private static final long PRIME64_1 = 0x9E3779B185EBCA87L;
    private static final long PRIME64_2 = 0xC2B2AE3D27D4EB4FL;
    private static final long PRIME64_3 = 0x165667B19E3779F9L;
    private static final long PRIME64_4 = 0x85EBCA77C2B2AE63L;
    private static final long PRIME64_5 = 0x27D4EB2F165667C5L;

    private static final ValueLayout.OfLong LONG_LE =
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE =
        ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private XxHash64()
    {
    }

    /** Hash of all of {@code bytes}. */
    public static long hash(final byte[] bytes, final long seed)
    {
        return hash(MemorySegment.ofArray(bytes), 0, bytes.length, seed);
    }

    /** Hash of {@code bytes[offset, offset + length)}. */
    public static long hash(final byte[] bytes, final int offset, final int length, final long seed)
    {
        return hash(MemorySegment.ofArray(bytes), offset, length, seed);
    }

    /** Hash of the remaining bytes of {@code buffer} (its position is not changed). */
    public static long hash(final ByteBuffer buffer, final long seed)
    {
        return hash(MemorySegment.ofBuffer(buffer), 0, buffer.remaining(), seed);
    }

    /** Hash of {@code segment[offset, offset + length)}. */
    public static long hash(final MemorySegment segment, final long offset, final long length, final long seed)
    {
        final long end = offset + length;
        long p = offset;
        long h;
        if (length >= 32)
        {
            long v1 = seed + PRIME64_1 + PRIME64_2;
            long v2 = seed + PRIME64_2;
            long v3 = seed;
            long v4 = seed - PRIME64_1;
            final long limit = end - 32;
            do
            {
                v1 = round(v1, segment.get(LONG_LE, p));
                v2 = round(v2, segment.get(LONG_LE, p + 8));
                v3 = round(v3, segment.get(LONG_LE, p + 16));
                v4 = round(v4, segment.get(LONG_LE, p + 24));
                p += 32;
            }
            while (p <= limit);
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = mergeRound(h, v1);
            h = mergeRound(h, v2);
            h = mergeRound(h, v3);
            h = mergeRound(h, v4);
        }
        else
        {
            h = seed + PRIME64_5;
        }
        h += length;
        while (p + 8 <= end)
        {
            h ^= round(0, segment.get(LONG_LE, p));
            h = Long.rotateLeft(h, 27) * PRIME64_1 + PRIME64_4;
            p += 8;
        }
        if (p + 4 <= end)
        {
            h ^= (segment.get(INT_LE, p) & 0xFFFF_FFFFL) * PRIME64_1;
            h = Long.rotateLeft(h, 23) * PRIME64_2 + PRIME64_3;
            p += 4;
        }
        while (p < end)
        {
            h ^= (segment.get(ValueLayout.JAVA_BYTE, p) & 0xFFL) * PRIME64_5;
            h = Long.rotateLeft(h, 11) * PRIME64_1;
            p++;
        }
        return avalanche(h);
    }

    /** XXH64 of the 8 little-endian bytes of {@code value}: a cheap, well-mixed hash of one long. */
    public static long hashLong(final long value, final long seed)
    {
        long h = seed + PRIME64_5 + 8;
        h ^= round(0, value);
        h = Long.rotateLeft(h, 27) * PRIME64_1 + PRIME64_4;
        return avalanche(h);
    }

    private static long round(final long acc, final long input)
    {
        return Long.rotateLeft(acc + input * PRIME64_2, 31) * PRIME64_1;
    }

    private static long mergeRound(final long acc, final long value)
    {
        return (acc ^ round(0, value)) * PRIME64_1 + PRIME64_4;
    }

    private static long avalanche(final long hash)
    {
        long h = hash;
        h ^= h >>> 33;
        h *= PRIME64_2;
        h ^= h >>> 29;
        h *= PRIME64_3;
        h ^= h >>> 32;
        return h;
    }
}
