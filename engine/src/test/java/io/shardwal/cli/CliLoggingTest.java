package io.shardwal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Logger;

import io.shardwal.wal.WalOptions;
import org.junit.jupiter.api.Test;

/** What the command-line tool prints of the engine's log: warnings and progress, or everything with --verbose. */
class CliLoggingTest
{
    private static List<String> printed(final boolean verbose)
    {
        final Logger engine = Logger.getLogger("io.shardwal");
        final boolean parents = engine.getUseParentHandlers();
        final StringWriter text = new StringWriter();
        final Handler handler = ShardwalCli.logTo(new PrintWriter(text, true), verbose);
        try
        {
            System.getLogger(WalOptions.PROGRESS_LOGGER).log(System.Logger.Level.INFO, "shardwal: recovering a log");
            System.getLogger("io.shardwal").log(System.Logger.Level.INFO, "shardwal: opened a log");
            System.getLogger("io.shardwal").log(System.Logger.Level.WARNING, "shardwal: a warning");
        }
        finally
        {
            engine.removeHandler(handler);
            engine.setUseParentHandlers(parents);
        }
        return text.toString().lines().toList();
    }

    @Test
    void shouldPrintProgressAndWarningsButNotTheOtherInfoLines()
    {
        assertEquals(List.of("shardwal: recovering a log", "shardwal: a warning"), printed(false));
    }

    @Test
    void shouldPrintEveryLineWhenVerbose()
    {
        assertEquals(List.of("shardwal: recovering a log", "shardwal: opened a log", "shardwal: a warning"),
            printed(true));
    }
}
