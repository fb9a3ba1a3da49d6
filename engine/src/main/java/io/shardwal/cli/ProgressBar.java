package io.shardwal.cli;

import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A progress bar on stderr. On a terminal it redraws one line in place; otherwise (a file, a pipe, a test) it
 * prints a plain line at every tenth of the way, so logs stay readable.
 *
 * <p>Whether stderr is a terminal ({@link #redrawsInPlace()}): Java has no isatty for stderr, and
 * {@code Console.isTerminal()} speaks of stdin and stdout only (since JDK 22 {@code System.console()} exists even
 * when they are redirected). So the bar redraws in place only if {@code TERM} is set and not {@code dumb} (which is
 * also how a user turns redrawing off), and then
 * <ul>
 *   <li>where the OS names what stderr is ({@code /proc/self/fd/2} on Linux): if that is a terminal device, so that
 *       {@code verify LOG > report.txt} still shows the bar and {@code verify LOG 2> progress.log} gets plain
 *       lines;</li>
 *   <li>elsewhere (macOS, Windows): if the console is a terminal, on the guess that stderr goes where stdout goes.
 *       Redirecting stdout then gets plain lines; redirecting stderr alone gets carriage returns in the file.</li>
 * </ul>
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

    /** Whether this process's stderr should get a bar redrawn in place: see the class comment. */
    static boolean redrawsInPlace()
    {
        final Console console = System.console();
        return redrawsInPlace(System.getenv("TERM"), stderrDevice(), console != null && console.isTerminal());
    }

    /**
     * The rule of the class comment, of its inputs.
     *
     * @param term            the {@code TERM} environment variable, or null.
     * @param stderrDevice    what stderr is open on ({@code /dev/pts/3}, {@code pipe:[123]}, a file), or null if the
     *                        OS does not say.
     * @param consoleTerminal whether {@code System.console()} exists and is a terminal (stdin and stdout).
     */
    static boolean redrawsInPlace(final String term, final String stderrDevice, final boolean consoleTerminal)
    {
        if (term == null || term.isBlank() || term.equals("dumb"))
        {
            return false;
        }
        if (stderrDevice != null)
        {
            return stderrDevice.startsWith("/dev/pts/") || stderrDevice.startsWith("/dev/tty")
                || stderrDevice.equals("/dev/console");
        }
        return consoleTerminal;
    }

    /** The target of {@code /proc/self/fd/2}, or null where there is no such link (not Linux). */
    private static String stderrDevice()
    {
        try
        {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
        }
        catch (final IOException | UnsupportedOperationException | SecurityException e)
        {
            return null;
        }
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
