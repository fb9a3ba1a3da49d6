package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The harness the other tests trust: a child that crashes the JVM fails the test that ran it, an ack line that
 * a SIGKILL cut short is dropped, never parsed into a wrong acknowledgement, and every whole line a child printed
 * before its SIGKILL is read, however far behind the reader was.
 */
@Slow
class ChildProcessTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Path work;

    @BeforeEach
    void scratch()
    {
        work = Directories.scratch("harness");
    }

    @AfterEach
    void cleanUp()
    {
        Directories.delete(work);
    }

    @Test
    void shouldFailTheTestWhenAChildCrashesTheJvm()
    {
        final ChildArgs args = new ChildArgs().set("do", "crash");
        try (ChildProcess child = ChildProcess.of(ProbeChild.class, work.resolve("crashes"), args.toArray()).start())
        {
            assertNotEquals(0, child.awaitExit(TIMEOUT), child.describe());
            final AssertionError failure = assertThrows(AssertionError.class, child::assertNoCrash);
            assertTrue(failure.getMessage().contains("crashed the JVM"), failure.getMessage());
            assertThrows(AssertionError.class, () -> ChildProcess.assertNoCrashFiles(work.resolve("crashes")));
        }
    }

    @Test
    void shouldDropAnAckLineThatASigkillCutShort()
    {
        final AckLog acks = new AckLog();
        final ChildArgs args = new ChildArgs().set("do", "partial");
        try (ChildProcess child = ChildProcess.of(ProbeChild.class, work.resolve("crashes"), args.toArray())
            .lineFilter(acks::accept).start())
        {
            child.awaitLine("STARTED"::equals, TIMEOUT);
            child.killAndExpectSigkill();
            assertEquals(0, acks.total(), "a line without its newline was taken for an ack");
            assertEquals(1, child.discardedPartialLines());
        }
    }

    @Test
    void shouldReadEveryLineAChildPrintedBeforeItsSigkillWhenTheReaderLagsBehind() throws Exception
    {
        final int lines = 2000;
        final AckLog acks = new AckLog();
        final Path printed = work.resolve("printed");
        final AtomicReference<ChildProcess> started = new AtomicReference<>();
        final ChildArgs args = new ChildArgs().set("do", "flood").set("lines", lines).set("marker", printed);
        final Predicate<String> lagging = line ->
        {
            if (line.equals("FIRST"))
            {
                // Hold the reader until the child is dead: everything it prints meanwhile waits in the pipe.
                final ChildProcess child = awaitSet(started);
                child.send("GO");
                while (child.isAlive())
                {
                    LockSupport.parkNanos(1_000_000);
                }
                return true;
            }
            return acks.accept(line);
        };
        try (ChildProcess child = ChildProcess.of(ProbeChild.class, work.resolve("crashes"), args.toArray())
            .lineFilter(lagging).start())
        {
            started.set(child);
            final long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!Files.exists(printed) && System.nanoTime() < deadline && child.isAlive())
            {
                Thread.sleep(5);
            }
            assertTrue(Files.exists(printed), "the child did not print its lines\n" + child.describe());
            child.killAndExpectSigkill();
            assertEquals(lines, acks.total(), "lines the child printed before its SIGKILL were lost");
        }
    }

    private static ChildProcess awaitSet(final AtomicReference<ChildProcess> reference)
    {
        while (reference.get() == null)
        {
            Thread.onSpinWait();
        }
        return reference.get();
    }
}
