package io.shardwal.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress bar on stderr. On a terminal it redraws one line in place; otherwise (a file, a pipe, a test) it
 * prints a plain line at every tenth of the way, so logs stay readable.
 *
 * <p>Called from one thread (the one that waits for the work).
 */
final class ProgressBar
{
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean terminal;
    private final String label;
    private final long total;
    private final long started = System.nanoTime();
    private int lastTenth;
    private int lastLength;

    ProgressBar(final PrintWriter err, final boolean terminal, final String label, final long total)
    {
        this.err = err;
        this.terminal = terminal;
        this.label = label;
        this.total = Math.max(1, total);
    }

    /** Shows {@code done} of the total. */
    void update(final long done)
    {
        final double fraction = Math.min(1.0, (double)done / total);
        final long elapsed = System.nanoTime() - started;
        final double rate = elapsed > 0 ? done / (elapsed / 1e9) : 0;
        if (terminal)
        {
            final int filled = (int)(fraction * WIDTH);
            final String eta = rate > 0 && done < total ? "  ETA " + Units.seconds((long)((total - done) / rate * 1e9))
                : "";
            final String line = label + " [" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] "
                + String.format(Locale.ROOT, "%3d%%", (int)(fraction * 100)) + "  " + Units.count(done)
                + " / " + Units.count(total) + "  " + Units.rate(rate) + " records/s" + eta;
            err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            lastLength = line.length();
            err.flush();
            return;
        }
        final int tenth = (int)(fraction * 10);
        if (tenth > lastTenth)
        {
            lastTenth = tenth;
            err.println(label + ": " + tenth * 10 + "%  " + Units.count(done) + " / " + Units.count(total) + "  "
                + Units.rate(rate) + " records/s");
            err.flush();
        }
    }

    /** Ends the bar's line (terminal) so that what follows starts on a new one. */
    void finish(final long done)
    {
        update(done);
        if (terminal)
        {
            err.println();
            err.flush();
        }
    }
}
