package io.shardwal.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import io.shardwal.mmap.ShardwalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An interrupt sent to a thread while it appends a checkpoint closes the log's FileChannel. The append fails, but the
 * log stays usable: every later checkpoint used to fail until the log was reopened. What the failed append wrote is
 * cut off and reported, never left for the next open to find as a torn tail.
 */
class CheckpointLogInterruptTest
{
    @TempDir
    Path dir;

    private static byte[] id(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static long[] positions(final int i)
    {
        return new long[] {64L * i, 128L * i};
    }

    /** Makes another thread interrupt the calling one, and waits until it has. */
    private static void interruptedByAnotherThread()
    {
        final Thread appender = Thread.currentThread();
        Thread.ofPlatform().start(appender::interrupt);
        while (!appender.isInterrupted())
        {
            Thread.onSpinWait();
        }
    }

    @Test
    void shouldCutAWholeEntryWhoseForceWasInterruptedAndTakeTheNextCheckpoint() throws IOException
    {
        assertInterruptedAppendIsCut(0, "a whole entry (checkpoint c2) never forced");
    }

    @Test
    void shouldCutATornEntryLeftByAnInterruptedWriteAndTakeTheNextCheckpoint() throws IOException
    {
        assertInterruptedAppendIsCut(7, "a torn entry");
    }

    /** Appends checkpoints c0 and c1; returns the file's size after them, where the next entry goes. */
    private static long appendTwo(final CheckpointLog log, final Path file) throws IOException
    {
        log.append(id("c0"), 0, positions(0));
        log.append(id("c1"), 1, positions(1));
        return Files.size(file);
    }

    /** {@code tornTo}: 0 leaves the written entry whole, otherwise cuts it to that many bytes (a partial write). */
    private void assertInterruptedAppendIsCut(final int tornTo, final String expected) throws IOException
    {
        final Path file = dir.resolve(CheckpointLog.FILE_NAME);
        try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
        {
            final long end = appendTwo(log, file);
            log.beforeForce(() ->
            {
                if (tornTo > 0)
                {
                    cut(file, end + tornTo);
                }
                interruptedByAnotherThread();
            });
            final IOException failure = assertThrows(IOException.class, () -> log.append(id("c2"), 2, positions(2)));
            assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
            log.beforeForce(null);
            assertMessage(failure, CheckpointLog.FILE_NAME, "c2", "offset " + end, "interrupted");
            assertEquals(end, Files.size(file), "what the failed append wrote is cut off at once");
            assertEquals(1, log.problems().size(), "the cut is reported: " + log.problems());
            final CheckpointLog.Problem problem = log.problems().getFirst();
            assertEquals("INTERRUPTED_APPEND", problem.kind());
            assertEquals(end, problem.offset());
            assertTrue(problem.detail().contains(expected), problem.detail());

            log.append(id("c2"), 2, positions(2));
            log.append(id("c3"), 3, positions(3));
            assertEquals(List.of("c0", "c1", "c2", "c3"), ids(log.list()), "the failed id can be used again");
        }
        try (CheckpointLog reopened = CheckpointLog.open(dir, 2, true))
        {
            assertEquals(List.of(), reopened.problems(), "no torn tail is left for the next open");
            assertEquals(List.of("c0", "c1", "c2", "c3"), ids(reopened.list()));
            for (int i = 0; i < 4; i++)
            {
                assertEquals(64L * i, reopened.list().get(i).position(0));
            }
        }
    }

    /** A file cut below what the log holds is a loss the reopen refuses, not a tail to cut. */
    @Test
    void shouldRefuseToReopenAFileShorterThanItsCheckpoints() throws IOException
    {
        final Path file = dir.resolve(CheckpointLog.FILE_NAME);
        try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
        {
            final long end = appendTwo(log, file);
            log.beforeForce(() ->
            {
                cut(file, end - 5);
                interruptedByAnotherThread();
            });
            final IOException failure = assertThrows(IOException.class, () -> log.append(id("c2"), 2, positions(2)));
            assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
            log.beforeForce(null);
            assertEquals(1, failure.getSuppressed().length, "the refused reopen is attached");
            final ShardwalException refused = assertThrows(ShardwalException.class,
                () -> log.append(id("c3"), 3, positions(3)));
            assertEquals(ShardwalException.Category.CORRUPT, refused.category());
            assertMessage(refused, CheckpointLog.FILE_NAME, (end - 5) + " bytes", end + " bytes");
            assertEquals(end - 5, Files.size(file), "nothing is written over a file that lost checkpoints");
        }
    }

    /**
     * Interrupts from another thread at random moments of many appends: every acknowledged checkpoint is kept, no
     * failed one is, and the log takes checkpoints again once the interrupts stop.
     */
    @Test
    void shouldKeepEveryAcknowledgedCheckpointUnderRandomInterrupts() throws Exception
    {
        final List<String> acknowledged = new ArrayList<>();
        int failed = 0;
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread appender = Thread.currentThread();
        try (CheckpointLog log = CheckpointLog.open(dir, 2, true))
        {
            final Thread interrupter = Thread.ofPlatform().start(() ->
            {
                while (running.get())
                {
                    appender.interrupt();
                    LockSupport.parkNanos(20_000 + (long)(Math.random() * 200_000));
                }
            });
            try
            {
                for (int i = 0; i < 400; i++)
                {
                    try
                    {
                        log.append(id("c" + i), i, positions(i));
                        acknowledged.add("c" + i);
                    }
                    catch (final IOException e)
                    {
                        failed++;
                    }
                }
            }
            finally
            {
                running.set(false);
                while (interrupter.isAlive())
                {
                    LockSupport.parkNanos(1_000_000);
                }
                Thread.interrupted();
            }
            log.append(id("last"), 400, positions(400));
            acknowledged.add("last");
            assertEquals(acknowledged, ids(log.list()), failed + " appends failed");
        }
        try (CheckpointLog reopened = CheckpointLog.open(dir, 2, true))
        {
            assertEquals(List.of(), reopened.problems());
            assertEquals(acknowledged, ids(reopened.list()));
        }
    }

    private static void cut(final Path file, final long size) throws IOException
    {
        try (FileChannel other = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            other.truncate(size);
        }
    }

    private static List<String> ids(final List<Checkpoint> checkpoints)
    {
        return checkpoints.stream().map(Checkpoint::idText).toList();
    }

    private static void assertMessage(final Exception e, final String... parts)
    {
        for (final String part : parts)
        {
            assertTrue(e.getMessage().contains(part), "\"" + part + "\" in: " + e.getMessage());
        }
    }
}
