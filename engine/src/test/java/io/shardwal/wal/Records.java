package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Deterministic test records: the value of (writer, sequence) is a pure function of them, so a reader can check
 * any record it sees without having kept a copy; keys come from a small set so per-key order can be checked.
 */
final class Records
{
    private Records()
    {
    }

    /** Opens a new log, appends {@code count} records of writer 0 (7 keys) to it and closes it; returns the acks. */
    static List<Ack> writeAndClose(final WalOptions options, final int count)
    {
        final List<Ack> acks = new ArrayList<>();
        try (ShardedWal wal = ShardedWal.open(options))
        {
            for (int i = 0; i < count; i++)
            {
                final byte[] key = key(0, i, 7);
                final byte[] value = value(0, i, 40);
                acks.add(new Ack(wal.append(key, value), key, value));
            }
        }
        return acks;
    }

    static byte[] key(final int writer, final long sequence, final int keys)
    {
        return ("key-" + (writer * 1_000_003L + sequence) % keys).getBytes(StandardCharsets.UTF_8);
    }

    /** A value of 16..(16 + spread) bytes: writer, sequence, then bytes derived from both. */
    static byte[] value(final int writer, final long sequence, final int spread)
    {
        final int length = 16 + (spread == 0 ? 0 : new SplittableRandom(writer * 31L + sequence).nextInt(spread + 1));
        final ByteBuffer value = ByteBuffer.allocate(length);
        value.putInt(writer).putLong(sequence).putInt(length);
        for (int i = 16; i < length; i++)
        {
            value.put((byte)(sequence * 7 + i * 13 + writer));
        }
        return value.array();
    }

    /** Checks a record's value against its own header; returns {writer, sequence}. */
    static long[] check(final byte[] value)
    {
        final ByteBuffer buffer = ByteBuffer.wrap(value);
        final int writer = buffer.getInt();
        final long sequence = buffer.getLong();
        final int length = buffer.getInt();
        assertEquals(length, value.length, "value length of writer " + writer + " seq " + sequence);
        for (int i = 16; i < length; i++)
        {
            assertEquals((byte)(sequence * 7 + i * 13 + writer), value[i], "byte " + i + " of writer " + writer
                + " seq " + sequence);
        }
        return new long[] {writer, sequence};
    }

    /** One acknowledged append. */
    record Ack(long address, byte[] key, byte[] value)
    {
    }

    /** Reads every committed record of every shard; checks order and content; returns them by address. */
    static Map<Long, WalRecordCopy> readAll(final ShardedWal wal)
    {
        final Map<Long, WalRecordCopy> all = new HashMap<>();
        for (int shard = 0; shard < wal.shardCount(); shard++)
        {
            final List<WalRecordCopy> records = new ArrayList<>();
            wal.iterShard(shard, 0, Long.MAX_VALUE, record -> records.add(WalRecordCopy.of(record)));
            for (int i = 1; i < records.size(); i++)
            {
                if (records.get(i).position() <= records.get(i - 1).position())
                {
                    throw new AssertionError("shard " + shard + " positions out of order at " + records.get(i));
                }
            }
            records.forEach(record -> all.put(record.address(), record));
        }
        return all;
    }

    /** Asserts that every acknowledged append is present, intact, where it was acknowledged. */
    static void assertAllPresent(final List<Ack> acks, final Map<Long, WalRecordCopy> found)
    {
        for (final Ack ack : acks)
        {
            final WalRecordCopy record = found.get(ack.address());
            if (record == null)
            {
                throw new AssertionError("acknowledged record missing: " + RecordAddress.toString(ack.address()));
            }
            assertArrayEquals(ack.key(), record.key(), "key at " + RecordAddress.toString(ack.address()));
            assertArrayEquals(ack.value(), record.value(), "value at " + RecordAddress.toString(ack.address()));
        }
    }

    /** A copy of a record that outlives the callback. */
    record WalRecordCopy(int shard, long position, long address, byte[] key, byte[] value)
    {
        static WalRecordCopy of(final WalRecord record)
        {
            return new WalRecordCopy(record.shard(), record.position(), record.address(), record.keyBytes(),
                record.valueBytes());
        }
    }
}
