package io.shardwal.cli;

import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import io.shardwal.metrics.JsonWriter;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.SegmentDescriptor;
import io.shardwal.wal.WalRecord;

/**
 * How {@code dump} and {@code tail} print a record.
 * <ul>
 *   <li>{@code text}: one line, {@code shard=3 position=4096 key="…" value="…"}. Inside the quotes, printable ASCII
 *       stands for itself except {@code "} and {@code \} (written {@code \"} and {@code \\}); tab, line feed and
 *       carriage return are {@code \t \n \r}; every other byte is {@code \xHH}. The bytes can be recovered
 *       exactly.</li>
 *   <li>{@code hex}: a line naming the record, its segment file and file offset, then a hexdump of the whole frame
 *       as it lies in the file (header, key, value and alignment padding; offsets from the frame's start).</li>
 *   <li>{@code json}: one object per line: {@code {"shard":3,"position":4096,"key":"…","value":"…"}}. A key or
 *       value that is valid UTF-8 is a JSON string; otherwise the member is {@code keyBase64} / {@code valueBase64}
 *       instead, holding the bytes in base64.</li>
 * </ul>
 */
enum RecordFormat
{
    TEXT, HEX, JSON;

    private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();

    /** Appends the record to {@code line} and prints it. Not thread-safe ({@code line} is the caller's). */
    void print(final WalRecord record, final long segmentSize, final StringBuilder line, final PrintWriter out)
    {
        line.setLength(0);
        switch (this)
        {
            case TEXT -> text(record, line);
            case HEX -> hex(record, segmentSize, line);
            case JSON -> json(record, line);
        }
        out.print(line);
    }

    private static void text(final WalRecord record, final StringBuilder line)
    {
        line.append("shard=").append(record.shard()).append(" position=").append(record.position()).append(" key=\"");
        escape(record.buffer(), record.keyOffset(), record.keyLength(), line);
        line.append("\" value=\"");
        escape(record.buffer(), record.valueOffset(), record.valueLength(), line);
        line.append("\"\n");
    }

    /** The escaping of the text format (see the class comment). */
    static void escape(final MemorySegment buffer, final long offset, final int length, final StringBuilder out)
    {
        for (int i = 0; i < length; i++)
        {
            final int b = buffer.get(ValueLayout.JAVA_BYTE, offset + i) & 0xFF;
            switch (b)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default ->
                {
                    if (b >= 0x20 && b < 0x7F)
                    {
                        out.append((char)b);
                    }
                    else
                    {
                        out.append("\\x").append(HEX_DIGITS[b >>> 4]).append(HEX_DIGITS[b & 0xF]);
                    }
                }
            }
        }
    }

    private static void hex(final WalRecord record, final long segmentSize, final StringBuilder line)
    {
        final long frameOffset = record.keyOffset() - FrameDescriptor.HEADER_LENGTH;
        final int frameLength = record.frameLength();
        final long base = record.position() - record.position() % segmentSize;
        line.append("shard=").append(record.shard()).append(" position=").append(record.position())
            .append(" file=").append(LogDirectory.segmentPath(record.shard(), base))
            .append(" offset=").append(SegmentDescriptor.DATA_OFFSET + record.position() - base)
            .append(" frame=").append(frameLength).append(" key=").append(record.keyLength())
            .append(" value=").append(record.valueLength()).append('\n');
        final MemorySegment buffer = record.buffer();
        final int available = (int)Math.min(frameLength, buffer.byteSize() - frameOffset);
        for (int row = 0; row < available; row += 16)
        {
            line.append("  ");
            appendHex(line, row, 8);
            line.append("  ");
            final int end = Math.min(row + 16, available);
            for (int i = row; i < row + 16; i++)
            {
                if (i < end)
                {
                    final int b = buffer.get(ValueLayout.JAVA_BYTE, frameOffset + i) & 0xFF;
                    line.append(HEX_DIGITS[b >>> 4]).append(HEX_DIGITS[b & 0xF]).append(' ');
                }
                else
                {
                    line.append("   ");
                }
                if (i == row + 7)
                {
                    line.append(' ');
                }
            }
            line.append(" |");
            for (int i = row; i < end; i++)
            {
                final int b = buffer.get(ValueLayout.JAVA_BYTE, frameOffset + i) & 0xFF;
                line.append(b >= 0x20 && b < 0x7F ? (char)b : '.');
            }
            line.append("|\n");
        }
    }

    private static void appendHex(final StringBuilder line, final long value, final int digits)
    {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
        {
            line.append(HEX_DIGITS[(int)(value >>> shift) & 0xF]);
        }
    }

    private static void json(final WalRecord record, final StringBuilder line)
    {
        final JsonWriter json = new JsonWriter(line);
        json.beginObject().field("shard", record.shard()).field("position", record.position());
        bytes(json, "key", record.keyBytes());
        bytes(json, "value", record.valueBytes());
        json.endObject();
        line.append('\n');
    }

    private static void bytes(final JsonWriter json, final String name, final byte[] bytes)
    {
        final String text = utf8(bytes);
        if (text != null)
        {
            json.field(name, text);
        }
        else
        {
            json.field(name + "Base64", Base64.getEncoder().encodeToString(bytes));
        }
    }

    /** The bytes as a string if they are valid UTF-8, else null. */
    private static String utf8(final byte[] bytes)
    {
        try
        {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        }
        catch (final CharacterCodingException e)
        {
            return null;
        }
    }
}
