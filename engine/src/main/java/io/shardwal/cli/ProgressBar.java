package io.shardwal.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A progress bar on stderr. On a terminal it redraws one line in place; otherwise (a file, a pipe, a test) it
 * prints a plain line at every tenth of the way, so logs stay readable.
 *
 * <p>Called from one thread (the one that waits for the work).
 */
final class ProgressBar
{
    private static final int WIDTH = 30;

    /**
     * How long reading commands ({@code verify}, {@code stats}) work before they show progress, so that quick runs
     * print none. Not final: tests set 0.
     */
    static long longWorkNanos = TimeUnit.SECONDS.toNanos(1);

    /** What is counted. */
    enum Unit
    {
        RECORDS, BYTES
    }

    private final PrintWriter err;
    private final boolean terminal;
    private final String label;
    private final long total;
    private final Unit unit;
    private final long quietNanos;
    private final long started = System.nanoTime();
    private boolean shown;
    private int lastTenth;
    private int lastLength;

    ProgressBar(final PrintWriter err, final boolean terminal, final String label, final long total)
    {
        this(err, terminal, label, total, Unit.RECORDS, 0);
    }

    /**
     * @param quietNanos shows nothing until the work has taken this long, so that quick runs print no progress.
     */
    ProgressBar(final PrintWriter err, final boolean terminal, final String label, final long total, final Unit unit,
        final long quietNanos)
    {
        this.err = err;
        this.terminal = terminal;
        this.label = label;
        this.total = Math.max(1, total);
        this.unit = unit;
        this.quietNanos = quietNanos;
    }

    /** Shows {@code done} of the total. */
    void update(final long done)
    {
        final long elapsed = System.nanoTime() - started;
        if (!shown && elapsed < quietNanos)
        {
            return;
        }
        shown = true;
        final double fraction = Math.min(1.0, (double)done / total);
        final double rate = elapsed > 0 ? done / (elapsed / 1e9) : 0;
        if (terminal)
        {
            final int filled = (int)(fraction * WIDTH);
            final String eta = rate > 0 && done < total ? "  ETA " + Units.seconds((long)((total - done) / rate * 1e9))
                : "";
            final String line = label + " [" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] "
                + String.format(Locale.ROOT, "%3d%%", (int)(fraction * 100)) + "  " + amounts(done, rate) + eta;
            err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            lastLength = line.length();
            err.flush();
            return;
        }
        final int tenth = (int)(fraction * 10);
        if (tenth > lastTenth)
        {
            lastTenth = tenth;
            err.println(label + ": " + tenth * 10 + "%  " + amounts(done, rate));
            err.flush();
        }
    }

    /** "done / total  rate", in the bar's unit. */
    private String amounts(final long done, final double rate)
    {
        return switch (unit)
        {
            case RECORDS -> Units.count(done) + " / " + Units.count(total) + "  " + Units.rate(rate) + " records/s";
            case BYTES -> Units.bytes(done) + " / " + Units.bytes(total) + "  " + Units.bytes((long)rate) + "/s";
        };
    }

    /** Ends the bar's line (terminal) so that what follows starts on a new one; nothing if it never showed. */
    void finish(final long done)
    {
        update(done);
        if (terminal && shown)
        {
            err.println();
            err.flush();
        }
    }
}
