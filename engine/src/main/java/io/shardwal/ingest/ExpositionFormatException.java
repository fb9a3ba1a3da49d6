package io.shardwal.ingest;

import java.io.Serial;

/** Malformed exposition text: the message names the line, the column and what was expected. */
public final class ExpositionFormatException extends IllegalArgumentException
{
    @Serial
    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;

    ExpositionFormatException(final int line, final int column, final String message, final String text)
    {
        super("line " + line + ", column " + column + ": " + message + " in: " + abbreviate(text));
        this.line = line;
        this.column = column;
    }

    /** 1-based line number. */
    public int line()
    {
        return line;
    }

    /** 1-based column (character) of the error in the line. */
    public int column()
    {
        return column;
    }

    private static String abbreviate(final String text)
    {
        return text.length() <= 120 ? text : text.substring(0, 117) + "...";
    }
}
