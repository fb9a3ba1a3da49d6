package io.shardwal.route;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
    private static final VarHandle ARRAY_LONG =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle ARRAY_INT =
        MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private XxHash64()
    {
    }

    /** Hash of all of {@code bytes}. */
    public static long hash(final byte[] bytes, final long seed)
    {
        return hash(bytes, 0, bytes.length, seed);
    }

    /**
     * Hash of {@code bytes[offset, offset + length)}. Reads the array through byte-array view handles: about four
     * times faster than wrapping it in a heap {@link MemorySegment}, which matters on the append path.
     */
    public static long hash(final byte[] bytes, final int offset, final int length, final long seed)
    {
        java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
        final int end = offset + length;
        int p = offset;
        long h;
        if (length >= 32)
        {
            long v1 = seed + PRIME64_1 + PRIME64_2;
            long v2 = seed + PRIME64_2;
            long v3 = seed;
            long v4 = seed - PRIME64_1;
            final int limit = end - 32;
            do
            {
                v1 = round(v1, (long)ARRAY_LONG.get(bytes, p));
                v2 = round(v2, (long)ARRAY_LONG.get(bytes, p + 8));
                v3 = round(v3, (long)ARRAY_LONG.get(bytes, p + 16));
                v4 = round(v4, (long)ARRAY_LONG.get(bytes, p + 24));
                p += 32;
            }
            while (p <= limit);
            h = converge(v1, v2, v3, v4);
        }
        else
        {
            h = seed + PRIME64_5;
        }
        h += length;
        while (p + 8 <= end)
        {
            h = mixLong(h, (long)ARRAY_LONG.get(bytes, p));
            p += 8;
        }
        if (p + 4 <= end)
        {
            h = mixInt(h, (int)ARRAY_INT.get(bytes, p));
            p += 4;
        }
        while (p < end)
        {
            h = mixByte(h, bytes[p]);
            p++;
        }
        return avalanche(h);
    }

    /** Hash of the remaining bytes of {@code buffer} (its position is not changed). */
    public static long hash(final ByteBuffer buffer, final long seed)
    {
        if (buffer.hasArray())
        {
            return hash(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining(), seed);
        }
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
            h = converge(v1, v2, v3, v4);
        }
        else
        {
            h = seed + PRIME64_5;
        }
        h += length;
        while (p + 8 <= end)
        {
            h = mixLong(h, segment.get(LONG_LE, p));
            p += 8;
        }
        if (p + 4 <= end)
        {
            h = mixInt(h, segment.get(INT_LE, p));
            p += 4;
        }
        while (p < end)
        {
            h = mixByte(h, segment.get(ValueLayout.JAVA_BYTE, p));
            p++;
        }
        return avalanche(h);
    }

    private static long converge(final long v1, final long v2, final long v3, final long v4)
    {
        long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
        h = mergeRound(h, v1);
        h = mergeRound(h, v2);
        h = mergeRound(h, v3);
        return mergeRound(h, v4);
    }

    private static long mixLong(final long h, final long lane)
    {
        return Long.rotateLeft(h ^ round(0, lane), 27) * PRIME64_1 + PRIME64_4;
    }

    private static long mixInt(final long h, final int lane)
    {
        return Long.rotateLeft(h ^ (lane & 0xFFFF_FFFFL) * PRIME64_1, 23) * PRIME64_2 + PRIME64_3;
    }

    private static long mixByte(final long h, final byte lane)
    {
        return Long.rotateLeft(h ^ (lane & 0xFFL) * PRIME64_5, 11) * PRIME64_1;
    }

    /** XXH64 of the 8 little-endian bytes of {@code value}: a cheap, well-mixed hash of one long. */
    public static long hashLong(final long value, final long seed)
    {
        return avalanche(mixLong(seed + PRIME64_5 + 8, value));
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
