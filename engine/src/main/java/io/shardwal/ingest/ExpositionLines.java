package io.shardwal.ingest;

import java.io.IOException;
import java.io.Reader;

/**
 * Splits exposition text into lines as the format does: a line ends at a line feed only. A carriage return is a
 * character of its line ({@link ExpositionLineParser} drops one just before the line feed, so CRLF text is read
 * too), unlike {@link java.io.BufferedReader#readLine()}, for which a lone carriage return also ends a line. The
 * last line needs no line feed.
 *
 * <p>Confined to the parsing thread.
 */
final class ExpositionLines
{
    private final Reader in;
    private final char[] buffer = new char[8192];
    private final StringBuilder line = new StringBuilder(256);
    private int start;
    private int end;

    ExpositionLines(final Reader in)
    {
        this.in = in;
    }

    /** The next line without its line feed, or null at the end of the text. */
    String next() throws IOException
    {
        line.setLength(0);
        while (true)
        {
            if (start == end)
            {
                final int read = in.read(buffer, 0, buffer.length);
                if (read < 0)
                {
                    return line.isEmpty() ? null : line.toString(); // text after the last line feed
                }
                start = 0;
                end = read;
            }
            int i = start;
            while (i < end && buffer[i] != '\n')
            {
                i++;
            }
            line.append(buffer, start, i - start);
            if (i < end)
            {
                start = i + 1;
                return line.toString();
            }
            start = end;
        }
    }
}
