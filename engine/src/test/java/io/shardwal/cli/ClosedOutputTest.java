package io.shardwal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dump ... | head}: once the reader of the output has gone, a command stops at once and quietly, with exit
 * code 141 (as a shell reports a tool ended by SIGPIPE), instead of reading the whole log into a closed pipe or, for
 * {@code tail}, following it forever.
 */
class ClosedOutputTest
{
    /** 128 + SIGPIPE. */
    private static final int OUTPUT_CLOSED = 141;
    private static final int RECORDS = 3000;
    private static final int READ_BY_HEAD = 4096;

    @TempDir
    Path dir;

    private Path log;

    @BeforeEach
    void writeLog()
    {
        log = dir.resolve("log");
        TestLogs.write(log, RECORDS);
    }

    /** Standard output whose reader went away after {@code accepted} bytes, as a pipe to {@code head} does. */
    private static final class ClosedPipe extends OutputStream
    {
        private final long accepted;
        private long offered;

        ClosedPipe(final long accepted)
        {
            this.accepted = accepted;
        }

        @Override
        public synchronized void write(final int b) throws IOException
        {
            write(new byte[] {(byte)b}, 0, 1);
        }

        @Override
        public synchronized void write(final byte[] bytes, final int offset, final int length) throws IOException
        {
            offered += length;
            if (offered > accepted)
            {
                throw new IOException("Broken pipe");
            }
        }

        synchronized long offeredAfterClose()
        {
            return Math.max(0, offered - accepted);
        }
    }

    private static int run(final ClosedPipe pipe, final StringWriter err, final String... args)
    {
        return ShardwalCli.execute(new PrintWriter(new OutputStreamWriter(pipe, StandardCharsets.UTF_8)),
            new PrintWriter(err), false, args);
    }

    @Test
    void shouldStopDumpingQuietlyOnceTheOutputIsClosed()
    {
        final long whole = Cli.run("dump", log).out().getBytes(StandardCharsets.UTF_8).length;
        final ClosedPipe pipe = new ClosedPipe(READ_BY_HEAD);
        final StringWriter err = new StringWriter();

        final int exit = run(pipe, err, "dump", log.toString());

        assertEquals(OUTPUT_CLOSED, exit, err.toString());
        assertEquals("", err.toString(), "nothing to say: the reader has gone");
        assertTrue(pipe.offeredAfterClose() < whole / 4, "stopped soon after the pipe closed: offered "
            + pipe.offeredAfterClose() + " of " + whole + " bytes to a closed pipe");
    }

    @Test
    void shouldStopTailingQuietlyOnceTheOutputIsClosed() throws InterruptedException
    {
        final ClosedPipe pipe = new ClosedPipe(READ_BY_HEAD);
        final StringWriter err = new StringWriter();
        final int[] exit = {-1};
        final Thread tail = Thread.ofPlatform().name("tail").start(() -> exit[0] = run(pipe, err, "tail",
            log.toString(), "--from-start"));
        tail.join(TimeUnit.SECONDS.toMillis(20));
        final boolean stopped = !tail.isAlive();
        if (!stopped)
        {
            tail.interrupt();
            tail.join();
        }
        assertTrue(stopped, "tail stopped by itself once nobody read its output");
        assertEquals(OUTPUT_CLOSED, exit[0], err.toString());
        assertFalse(err.toString().contains("Exception"), err.toString());
        assertEquals("", err.toString());
    }
}
