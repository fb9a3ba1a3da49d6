package io.shardwal.nativetests;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.shardwal.wal.WalRecord;

/**
 * The content of every record the native tests write: key and value are pure functions of (run seed, writer,
 * sequence), so a process that only knows the seed can tell whether a record it reads is exactly what was
 * written, without anyone storing the bytes.
 *
 * <pre>
 *   key   = "w" writer "/k" (seq mod 16) "/" + 0..31 pseudo-random bytes   (the same bytes for the same key)
 *   value = writer (u64 LE) | seq (u64 LE) | body: pseudo-random bytes, 0..300 long (1 in 64: up to 4080)
 * </pre>
 *
 * Keys repeat (16 per writer), so records of one key land in one shard and their order can be checked. Values
 * are at most {@link #MAX_VALUE_LENGTH} bytes so that a batch of {@link OpPlan#MAX_BATCH} records fits a 64 KiB
 * segment. Immutable and thread-safe.
 */
final class RecordScheme
{
    static final int KEYS_PER_WRITER = 16;
    static final int VALUE_HEADER_LENGTH = 16;
    static final int MAX_VALUE_LENGTH = VALUE_HEADER_LENGTH + 4080;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final long seed;

    RecordScheme(final long seed)
    {
        this.seed = seed;
    }

    long seed()
    {
        return seed;
    }

    /** SplitMix64's finaliser: a cheap, well-spread 64-bit mix. */
    static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private long recordHash(final long writer, final long seq)
    {
        return mix(seed ^ mix(writer * GOLDEN + seq));
    }

    byte[] key(final long writer, final long seq)
    {
        final long keyIndex = Math.floorMod(seq, KEYS_PER_WRITER);
        final byte[] prefix = ("w" + writer + "/k" + keyIndex + "/").getBytes(StandardCharsets.US_ASCII);
        final long hash = mix(seed + mix(writer * GOLDEN - keyIndex));
        final int padding = (int)(hash >>> 59);
        final byte[] key = Arrays.copyOf(prefix, prefix.length + padding);
        fill(key, prefix.length, hash);
        return key;
    }

    int valueLength(final long writer, final long seq)
    {
        final long hash = recordHash(writer, seq);
        final boolean large = (hash & 63) == 0;
        final long body = large ? (hash >>> 20) % (MAX_VALUE_LENGTH - VALUE_HEADER_LENGTH + 1) : (hash >>> 20) % 301;
        return VALUE_HEADER_LENGTH + (int)body;
    }

    byte[] value(final long writer, final long seq)
    {
        final byte[] value = new byte[valueLength(writer, seq)];
        final ByteBuffer header = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(0, writer).putLong(8, seq);
        fill(value, VALUE_HEADER_LENGTH, recordHash(writer, seq));
        return value;
    }

    private static void fill(final byte[] bytes, final int from, final long hash)
    {
        long block = 0;
        for (int i = from; i < bytes.length; i++)
        {
            final int shift = ((i - from) & 7) * 8;
            if (shift == 0)
            {
                block = mix(hash + GOLDEN * (i - from));
            }
            bytes[i] = (byte)(block >>> shift);
        }
    }

    /**
     * Decodes and checks one record: returns its writer and sequence, or a description of how its key or value
     * differs from what that writer wrote as that sequence.
     */
    Decoded decode(final WalRecord record)
    {
        final byte[] value = record.valueBytes();
        if (value.length < VALUE_HEADER_LENGTH)
        {
            return Decoded.bad("value of " + value.length + " bytes is shorter than the " + VALUE_HEADER_LENGTH
                + "-byte header of every record written");
        }
        final ByteBuffer header = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        final long writer = header.getLong(0);
        final long seq = header.getLong(8);
        if (writer < 0 || seq < 0)
        {
            return Decoded.bad("value names writer " + writer + " sequence " + seq);
        }
        final byte[] expectedValue = value(writer, seq);
        if (!Arrays.equals(value, expectedValue))
        {
            return Decoded.bad("value of writer " + writer + " sequence " + seq + " differs from what was written ("
                + value.length + " bytes read, " + expectedValue.length + " written, first difference at byte "
                + Arrays.mismatch(value, expectedValue) + ")");
        }
        final byte[] key = record.keyBytes();
        final byte[] expectedKey = key(writer, seq);
        if (!Arrays.equals(key, expectedKey))
        {
            return Decoded.bad("key of writer " + writer + " sequence " + seq + " differs from what was written: "
                + new String(key, StandardCharsets.ISO_8859_1));
        }
        return new Decoded(writer, seq, null);
    }

    /** A decoded record: writer and sequence, or {@code problem} if the bytes are not a record as written. */
    record Decoded(long writer, long seq, String problem)
    {
        static Decoded bad(final String problem)
        {
            return new Decoded(-1, -1, problem);
        }

        boolean ok()
        {
            return problem == null;
        }
    }
}
