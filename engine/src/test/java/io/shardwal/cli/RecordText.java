package io.shardwal.cli;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads back what {@code dump} and {@code tail} print in the text format, exactly as documented. */
final class RecordText
{
    private static final Pattern LINE = Pattern.compile("shard=(\\d+) position=(\\d+) key=\"(.*)\" value=\"(.*)\"");

    private RecordText()
    {
    }

    /** One printed record. */
    record Printed(int shard, long position, byte[] key, byte[] value)
    {
    }

    static List<Printed> parse(final String output)
    {
        final List<Printed> records = new ArrayList<>();
        for (final String line : output.split("\n"))
        {
            if (line.isEmpty())
            {
                continue;
            }
            final Matcher matcher = LINE.matcher(line);
            if (!matcher.matches())
            {
                throw new AssertionError("not a record line: " + line);
            }
            records.add(new Printed(Integer.parseInt(matcher.group(1)), Long.parseLong(matcher.group(2)),
                unescape(matcher.group(3)), unescape(matcher.group(4))));
        }
        return records;
    }

    /** The inverse of the text format's escaping; fails on anything the format never produces. */
    static byte[] unescape(final String text)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7F || c == '"')
            {
                throw new AssertionError("unescaped character " + (int)c + " in " + text);
            }
            if (c != '\\')
            {
                out.write(c);
                continue;
            }
            final char e = text.charAt(++i);
            switch (e)
            {
                case '\\' -> out.write('\\');
                case '"' -> out.write('"');
                case 't' -> out.write('\t');
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 'x' ->
                {
                    out.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                default -> throw new AssertionError("unknown escape \\" + e + " in " + text);
            }
        }
        return out.toByteArray();
    }
}
