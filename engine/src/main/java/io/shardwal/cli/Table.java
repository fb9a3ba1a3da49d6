package io.shardwal.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table: a header row, rows, optional separator lines; columns padded to their widest cell, the
 * first column (and any marked {@link #leftAligned}) left-aligned, the others right-aligned (they hold numbers).
 */
final class Table
{
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;
    private final boolean[] left;

    Table(final String... header)
    {
        columns = header.length;
        left = new boolean[columns];
        left[0] = true;
        rows.add(header);
    }

    /** Left-aligns these columns too (text rather than numbers). */
    Table leftAligned(final int... indexes)
    {
        for (final int index : indexes)
        {
            left[index] = true;
        }
        return this;
    }

    Table row(final Object... cells)
    {
        if (cells.length != columns)
        {
            throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + columns);
        }
        final String[] text = new String[columns];
        for (int i = 0; i < columns; i++)
        {
            text[i] = String.valueOf(cells[i]);
        }
        rows.add(text);
        return this;
    }

    /** A line of dashes across the table. */
    Table separator()
    {
        rows.add(null);
        return this;
    }

    void print(final PrintWriter out, final String indent)
    {
        final int[] widths = new int[columns];
        for (final String[] row : rows)
        {
            for (int i = 0; row != null && i < columns; i++)
            {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        int total = 0;
        for (final int width : widths)
        {
            total += width + 2;
        }
        for (final String[] row : rows)
        {
            final StringBuilder line = new StringBuilder(indent);
            if (row == null)
            {
                line.append("-".repeat(total - 2));
            }
            else
            {
                for (int i = 0; i < columns; i++)
                {
                    final String pad = " ".repeat(widths[i] - row[i].length());
                    line.append(left[i] ? row[i] + pad : pad + row[i]).append(i + 1 < columns ? "  " : "");
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
