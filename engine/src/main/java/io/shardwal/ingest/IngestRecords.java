package io.shardwal.ingest;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import io.shardwal.index.Labels;
import io.shardwal.index.SeriesIds;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.WalRecord;

/**
 * The records {@link Ingest} writes into a log, and how to read them back. Every record's key is the 8-byte series
 * id (big-endian, so a dump shows it as {@link SeriesIds#toString(long)} does), which routes all records of one
 * series to one shard, in the order they were written. The value's first byte is its type:
 * <pre>
 *   SERIES   0x01 | u16 label count | per label: u16 name length, name (UTF-8), u16 value length, value (UTF-8)
 *   SAMPLE   0x02 | i64 timestamp (ms since the epoch) | f64 value (IEEE 754 bits)
 * </pre>
 * Integers are big-endian. A SERIES record gives a series id its labels; {@link IngestReplay} feeds it to
 * {@link io.shardwal.index.SeriesIndex#addSeries(long, Labels)}, since the id of a label set whose hash collided
 * depends on what was indexed first and must be replayed, not recomputed. Stateless.
 */
public final class IngestRecords
{
    /** Type byte of a series definition. */
    public static final byte SERIES = 0x01;
    /** Type byte of a sample. */
    public static final byte SAMPLE = 0x02;
    /** Length of every ingest key: a series id. */
    public static final int KEY_LENGTH = 8;
    /** Length of a SAMPLE value. */
    public static final int SAMPLE_VALUE_LENGTH = 1 + 8 + 8;
    /** Bytes a SAMPLE record takes in a batch: its frame, aligned. */
    static final long SAMPLE_FRAME_LENGTH = FrameDescriptor.align(
        FrameDescriptor.dataFrameLength(KEY_LENGTH, SAMPLE_VALUE_LENGTH));

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE =
        ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private IngestRecords()
    {
    }

    /** Writes {@code id} as a key at {@code offset}. */
    static void writeKey(final MemorySegment key, final long offset, final long id)
    {
        key.set(LONG, offset, id);
    }

    /** Writes a SAMPLE value at {@code offset}. */
    static void writeSample(final MemorySegment value, final long offset, final long timestampMillis, final double v)
    {
        value.set(ValueLayout.JAVA_BYTE, offset, SAMPLE);
        value.set(LONG, offset + 1, timestampMillis);
        value.set(DOUBLE, offset + 9, v);
    }

    /**
     * The SERIES value of {@code labels}.
     *
     * @throws IllegalArgumentException if a name or value is longer than 65,535 bytes in UTF-8 or there are more
     *                                  than 65,535 labels (the index refuses such series too).
     */
    static byte[] seriesValue(final Labels labels)
    {
        final int n = labels.size();
        if (n > 0xFFFF)
        {
            throw new IllegalArgumentException("a series has at most 65535 labels, " + labels.size() + " given");
        }
        final byte[][] strings = new byte[2 * n][];
        int length = 1 + 2;
        for (int i = 0; i < n; i++)
        {
            strings[2 * i] = utf8(labels.name(i), labels);
            strings[2 * i + 1] = utf8(labels.value(i), labels);
            length += 4 + strings[2 * i].length + strings[2 * i + 1].length;
        }
        final byte[] value = new byte[length];
        final MemorySegment out = MemorySegment.ofArray(value);
        out.set(ValueLayout.JAVA_BYTE, 0, SERIES);
        out.set(SHORT, 1, (short)n);
        int offset = 3;
        for (final byte[] string : strings)
        {
            out.set(SHORT, offset, (short)string.length);
            MemorySegment.copy(string, 0, out, ValueLayout.JAVA_BYTE, offset + 2, string.length);
            offset += 2 + string.length;
        }
        return value;
    }

    /**
     * An upper bound of the length of {@link #seriesValue}, from the labels' lengths in chars (at most 3 bytes of
     * UTF-8 each), or -1 if the bound could exceed a limit of the format: then only encoding tells.
     */
    static long seriesValueBound(final Labels labels)
    {
        final int n = labels.size();
        if (n > 0xFFFF)
        {
            return -1;
        }
        long bound = 3;
        for (int i = 0; i < n; i++)
        {
            final long name = 3L * labels.name(i).length();
            final long value = 3L * labels.value(i).length();
            if (name > 0xFFFF || value > 0xFFFF)
            {
                return -1;
            }
            bound += 4 + name + value;
        }
        return bound;
    }

    private static byte[] utf8(final String string, final Labels labels)
    {
        final byte[] bytes = string.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0xFFFF)
        {
            throw new IllegalArgumentException("a label of " + abbreviate(labels.toString()) + " is "
                + bytes.length + " bytes long in UTF-8; at most 65535 are allowed");
        }
        return bytes;
    }

    private static String abbreviate(final String text)
    {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    // ------------------------------------------------------------------------------------------------- reading

    /**
     * The type byte of an ingest record.
     *
     * @throws ShardwalException FORMAT naming the shard and position if the record is not one Ingest writes.
     */
    public static byte type(final WalRecord record)
    {
        if (record.keyLength() != KEY_LENGTH || record.valueLength() < 1)
        {
            throw notIngest(record, "a " + record.keyLength() + "-byte key and a " + record.valueLength()
                + "-byte value (ingest records have 8-byte keys and a typed value)");
        }
        final byte type = record.buffer().get(ValueLayout.JAVA_BYTE, record.valueOffset());
        if (type == SAMPLE && record.valueLength() != SAMPLE_VALUE_LENGTH)
        {
            throw notIngest(record, "a SAMPLE value of " + record.valueLength() + " bytes, not "
                + SAMPLE_VALUE_LENGTH);
        }
        if (type != SAMPLE && type != SERIES)
        {
            throw notIngest(record, "value type " + (type & 0xFF) + " (known: 1 SERIES, 2 SAMPLE)");
        }
        return type;
    }

    /** The series id a record belongs to (its key). */
    public static long seriesId(final WalRecord record)
    {
        type(record);
        return record.buffer().get(LONG, record.keyOffset());
    }

    /** The timestamp of a SAMPLE record, in milliseconds since the epoch. */
    public static long timestampMillis(final WalRecord record)
    {
        checkType(record, SAMPLE);
        return record.buffer().get(LONG, record.valueOffset() + 1);
    }

    /** The value of a SAMPLE record. */
    public static double sampleValue(final WalRecord record)
    {
        checkType(record, SAMPLE);
        return record.buffer().get(DOUBLE, record.valueOffset() + 9);
    }

    /**
     * The labels of a SERIES record.
     *
     * @throws ShardwalException FORMAT naming the shard and position if the value does not decode exactly.
     */
    public static Labels labels(final WalRecord record)
    {
        checkType(record, SERIES);
        final MemorySegment buffer = record.buffer();
        final long start = record.valueOffset();
        final long end = start + record.valueLength();
        if (record.valueLength() < 3)
        {
            throw notIngest(record, "a SERIES value of " + record.valueLength() + " bytes, too short for a count");
        }
        final int n = Short.toUnsignedInt(buffer.get(SHORT, start + 1));
        final Labels.Builder builder = Labels.builder();
        long offset = start + 3;
        final String[] pair = new String[2];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < 2; j++)
            {
                if (offset + 2 > end)
                {
                    throw notIngest(record, "a SERIES value that ends inside label " + i + " of " + n);
                }
                final int length = Short.toUnsignedInt(buffer.get(SHORT, offset));
                if (offset + 2 + length > end)
                {
                    throw notIngest(record, "a SERIES value whose label " + i + " runs past its end");
                }
                final byte[] bytes = new byte[length];
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, offset + 2, bytes, 0, length);
                pair[j] = new String(bytes, StandardCharsets.UTF_8);
                offset += 2 + length;
            }
            builder.add(pair[0], pair[1]);
        }
        if (offset != end)
        {
            throw notIngest(record, "a SERIES value with " + (end - offset) + " bytes after its " + n + " labels");
        }
        try
        {
            return builder.build();
        }
        catch (final IllegalArgumentException e)
        {
            throw notIngest(record, "a SERIES value that is not a label set: " + e.getMessage());
        }
    }

    private static void checkType(final WalRecord record, final byte expected)
    {
        final byte type = type(record);
        if (type != expected)
        {
            throw new IllegalArgumentException("shard " + record.shard() + " position " + record.position() + " is a "
                + (type == SERIES ? "SERIES" : "SAMPLE") + " record, not a "
                + (expected == SERIES ? "SERIES" : "SAMPLE"));
        }
    }

    private static ShardwalException notIngest(final WalRecord record, final String what)
    {
        return new ShardwalException(ShardwalException.Category.FORMAT, "shard " + record.shard() + " position "
            + record.position() + " is not an ingest record: it has " + what);
    }
}
