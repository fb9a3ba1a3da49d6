package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The harness the other tests trust: a child that crashes the JVM fails the test that ran it, and an ack line that
 * a SIGKILL cut short is dropped, never parsed into a wrong acknowledgement.
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
}
