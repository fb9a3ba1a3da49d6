package io.shardwal.cli;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLongArray;

import io.shardwal.wal.WalRecord;

/**
 * The records {@code shardwal demo} writes, as a pure function of (writer thread, sequence), so that the replay
 * can check every byte of every record without keeping a copy, and notice a record missing or seen twice.
 *
 * <p>Key: {@code sensor-NNNNN}, one of 100,000 ids picked by a hash of (thread, sequence), so keys spread over the
 * shards the way a telemetry feed does. Value ({@code minSize..maxSize} bytes, length picked by the same hash):
 * <pre>
 *  0        4                12       16
 *  +--------+----------------+--------+-------------------------------------------+
 *  | thread | sequence (u64) | length | bytes of a fixed random pool, from an      |
 *  | (u32)  |                | (u32)  | offset picked by the hash                  |
 *  +--------+----------------+--------+-------------------------------------------+
 * </pre>
 * all little-endian. Generating a record is a few stores and one array copy; checking it is one comparison.
 *
 * <p>Immutable after construction except for the "seen" bits; {@link #check} may be called from many threads.
 */
final class DemoWorkload
{
    static final int HEADER_LENGTH = 16;
    static final int KEY_LENGTH = 12;
    static final int KEY_IDS = 100_000;
    /** The most records one run can check: one bit each, in an array of at most 2^31 longs. */
    static final long MAX_RECORDS = (long)Integer.MAX_VALUE * 64;
    private static final byte[] KEY_PREFIX = "sensor-".getBytes(StandardCharsets.US_ASCII);
    private static final int POOL_MASK = (1 << 20) - 1;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int minSize;
    private final int maxSize;
    private final byte[] pool;
    private final MemorySegment poolSegment;
    private final long[] firstBit;
    private final long[] quota;
    private final AtomicLongArray seen;

    /** @param quota records each thread writes at most. */
    DemoWorkload(final int minSize, final int maxSize, final long[] quota)
    {
        if (minSize < HEADER_LENGTH || maxSize < minSize)
        {
            throw new IllegalArgumentException("value sizes must be at least " + HEADER_LENGTH + " bytes and min <= "
                + "max, not " + minSize + "-" + maxSize);
        }
        this.minSize = minSize;
        this.maxSize = maxSize;
        this.pool = new byte[POOL_MASK + 1 + maxSize];
        new SplittableRandom(0x5EED).nextBytes(pool);
        this.poolSegment = MemorySegment.ofArray(pool);
        this.quota = quota.clone();
        this.firstBit = new long[quota.length + 1];
        for (int i = 0; i < quota.length; i++)
        {
            firstBit[i + 1] = firstBit[i] + quota[i];
        }
        this.seen = new AtomicLongArray((int)((firstBit[quota.length] + 63) >>> 6));
    }

    int maxSize()
    {
        return maxSize;
    }

    /** A 64-bit mix of (thread, sequence): the seed of every choice for that record. */
    static long hash(final int thread, final long sequence)
    {
        long z = sequence * 0x9E3779B97F4A7C15L + thread * 0xC2B2AE3D27D4EB4FL + 0x165667B19E3779F9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Writes the key into {@code key} (length {@link #KEY_LENGTH}). */
    static void key(final long hash, final byte[] key)
    {
        System.arraycopy(KEY_PREFIX, 0, key, 0, KEY_PREFIX.length);
        int id = (int)Long.remainderUnsigned(hash, KEY_IDS);
        for (int i = KEY_LENGTH - 1; i >= KEY_PREFIX.length; i--)
        {
            key[i] = (byte)('0' + id % 10);
            id /= 10;
        }
    }

    /** Writes the value into {@code value}; returns its length. */
    int value(final int thread, final long sequence, final long hash, final MemorySegment value, final byte[] array)
    {
        final int length = length(hash);
        value.set(INT, 0, thread);
        value.set(LONG, 4, sequence);
        value.set(INT, 12, length);
        System.arraycopy(pool, poolOffset(hash), array, HEADER_LENGTH, length - HEADER_LENGTH);
        return length;
    }

    private int length(final long hash)
    {
        return minSize + (int)Long.remainderUnsigned(hash >>> 20, maxSize - minSize + 1);
    }

    private static int poolOffset(final long hash)
    {
        return (int)(hash >>> 40) & POOL_MASK;
    }

    /**
     * Checks one replayed record against what was written and marks it seen.
     *
     * @param key a scratch array of {@link #KEY_LENGTH} bytes owned by the calling thread.
     * @return null if it is exactly what was written (and seen for the first time), else what is wrong.
     */
    String check(final WalRecord record, final byte[] key)
    {
        if (record.valueLength() < HEADER_LENGTH)
        {
            return "value of " + record.valueLength() + " bytes is shorter than the demo's header";
        }
        final MemorySegment buffer = record.buffer();
        final long at = record.valueOffset();
        final int thread = buffer.get(INT, at);
        final long sequence = buffer.get(LONG, at + 4);
        final int length = buffer.get(INT, at + 12);
        if (thread < 0 || thread >= quota.length || sequence < 0 || sequence >= quota[thread])
        {
            return "thread " + thread + " sequence " + sequence + " was never written";
        }
        final long hash = hash(thread, sequence);
        key(hash, key);
        if (length != length(hash) || record.valueLength() != length)
        {
            return "thread " + thread + " sequence " + sequence + ": value of " + record.valueLength()
                + " bytes, written with " + length(hash);
        }
        if (record.keyLength() != KEY_LENGTH || MemorySegment.mismatch(buffer, record.keyOffset(),
            record.keyOffset() + KEY_LENGTH, MemorySegment.ofArray(key), 0, KEY_LENGTH) != -1)
        {
            return "thread " + thread + " sequence " + sequence + ": the key differs from the one written";
        }
        final long from = poolOffset(hash);
        if (MemorySegment.mismatch(buffer, at + HEADER_LENGTH, at + length, poolSegment, from,
            from + length - HEADER_LENGTH) != -1)
        {
            return "thread " + thread + " sequence " + sequence + ": the value's bytes differ from those written";
        }
        final long bit = firstBit[thread] + sequence;
        final long mask = 1L << (bit & 63);
        if ((seen.getAndAccumulate((int)(bit >>> 6), mask, (bits, add) -> bits | add) & mask) != 0)
        {
            return "thread " + thread + " sequence " + sequence + " was delivered twice";
        }
        return null;
    }

    /** Records written (per thread, {@code written[t]}) that the replay did not deliver; the first few named. */
    long missing(final long[] written, final StringBuilder firstMissing)
    {
        long missing = 0;
        for (int thread = 0; thread < written.length; thread++)
        {
            for (long sequence = 0; sequence < written[thread]; sequence++)
            {
                final long bit = firstBit[thread] + sequence;
                if ((seen.get((int)(bit >>> 6)) & (1L << (bit & 63))) == 0)
                {
                    if (missing++ < 3)
                    {
                        firstMissing.append(firstMissing.isEmpty() ? "" : ", ").append("thread ").append(thread)
                            .append(" sequence ").append(sequence);
                    }
                }
            }
        }
        return missing;
    }
}
