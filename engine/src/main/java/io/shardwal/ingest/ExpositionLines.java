package io.shardwal.ingest;

import java.io.IOException;
import java.io.Reader;

/**
 * Splits exposition text into lines as the format does: a line ends at a line feed only. A carriage return is a
 * character of its line ({@link ExpositionLineParser} drops one just before the line feed, so CRLF text is read
 * too), unlike {@link java.io.BufferedReader#readLine()}, for which a lone carriage return also ends a line. The
 * last line needs no line feed. A line longer than the limit is an error as soon as the limit is passed: no more of
 * it is read or held.
 *
 * <p>Confined to the parsing thread.
 */
final class ExpositionLines
{
    private static final int EXCERPT = 128;

    private final Reader in;
    private final int maxLength;
    private final char[] buffer = new char[8192];
    private final StringBuilder line = new StringBuilder(256);
    private int start;
    private int end;

    ExpositionLines(final Reader in, final int maxLength)
    {
        this.in = in;
        this.maxLength = maxLength;
    }

    private int read(final int number) throws IOException
    {
        try
        {
            return in.read(buffer, 0, buffer.length);
        }
        catch (final StrictUtf8Reader.NotUtf8Exception e)
        {
            // Every character before the bad bytes has been handed out: they sit at the end of the current line.
            throw new ExpositionFormatException(number, line.length() + 1, e.getMessage(),
                line.substring(0, Math.min(line.length(), EXCERPT)));
        }
    }

    /**
     * The next line without its line feed, or null at the end of the text.
     *
     * @param number the line's number, for the error about an overlong line.
     */
    String next(final int number) throws IOException
    {
        line.setLength(0);
        while (true)
        {
            if (start == end)
            {
                final int read = read(number);
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
            if (line.length() + i - start > maxLength)
            {
                line.append(buffer, start, Math.min(i - start, EXCERPT)); // the message shows the line's start
                final String excerpt = line.substring(0, Math.min(line.length(), EXCERPT));
                throw new ExpositionFormatException(number, maxLength + 1,
                    "line longer than " + maxLength + " characters", excerpt);
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
