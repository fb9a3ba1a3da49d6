package io.shardwal.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bar is drawn on stderr, so whether it redraws in place is decided by what stderr is. */
class ProgressBarTest
{
    private static final String PTY = "/dev/pts/3";

    @Test
    void shouldRedrawOnATerminalStderrEvenWhenStdoutIsRedirected()
    {
        assertTrue(ProgressBar.redrawsInPlace("xterm-256color", PTY, false), "verify LOG > report.txt");
        assertTrue(ProgressBar.redrawsInPlace("xterm-256color", PTY, true));
        assertTrue(ProgressBar.redrawsInPlace("linux", "/dev/tty1", true));
    }

    @Test
    void shouldPrintPlainLinesWhenStderrIsAFileOrPipeEvenIfStdinAndStdoutAreATerminal()
    {
        assertFalse(ProgressBar.redrawsInPlace("xterm", "/home/someone/progress.log", true), "2> progress.log");
        assertFalse(ProgressBar.redrawsInPlace("xterm", "pipe:[4242]", true), "2>&1 | tee");
        assertFalse(ProgressBar.redrawsInPlace("xterm", "/dev/null", true), "2> /dev/null");
    }

    @Test
    void shouldNeverRedrawWithoutACapableTerm()
    {
        for (final String term : new String[] {null, "", "dumb"})
        {
            assertFalse(ProgressBar.redrawsInPlace(term, PTY, true), "TERM=" + term);
            assertFalse(ProgressBar.redrawsInPlace(term, null, true), "TERM=" + term);
        }
    }

    /** Without /proc (macOS, Windows) the console's answer about stdin and stdout is the best guess there is. */
    @Test
    void shouldFollowTheConsoleWhereTheOsDoesNotNameStderr()
    {
        assertTrue(ProgressBar.redrawsInPlace("xterm-256color", null, true));
        assertFalse(ProgressBar.redrawsInPlace("xterm-256color", null, false));
    }
}
