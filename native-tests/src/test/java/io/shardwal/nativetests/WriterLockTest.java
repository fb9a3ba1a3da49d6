package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.WalOptions;

/**
 * One writer per log, across processes: a second writer process is refused with LOCKED and a message naming the
 * holder's pid, whichever side holds the log, and also when two processes create the same log at the same moment;
 * readers need no lock; and the kernel releases the lock of a writer that is SIGKILLed, so the next writer
 * recovers the log without anyone cleaning up.
 */
@Slow
class WriterLockTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int ROUNDS = 6;

    private final long seed = Seeds.seed();
    private final RecordScheme scheme = new RecordScheme(seed);
    private final AckLog acks = new AckLog();
    private Path work;
    private Path dir;

    @BeforeEach
    void scratch()
    {
        work = Directories.scratch("writer-lock");
        dir = work.resolve("wal");
    }

    @AfterEach
    void cleanUp()
    {
        ChildProcess.assertNoCrashFiles(work.resolve("crashes"));
        Directories.delete(work);
    }

    @Test
    void shouldRefuseASecondWriterProcessNamingTheHolder()
    {
        try (ShardedWal wal = ShardedWal.open(options()))
        {
            append(wal, 100);
            try (ChildProcess child = hold(0))
            {
                final String outcome = child.awaitLine(line -> !line.startsWith(AckLog.PREFIX), TIMEOUT);
                assertTrue(outcome.startsWith("REFUSED LOCKED "), "a second writer process was not refused with "
                    + "LOCKED: " + outcome + "\n" + child.describe());
                assertTrue(outcome.contains("pid " + ProcessHandle.current().pid()), "the refusal does not name the "
                    + "holder, pid " + ProcessHandle.current().pid() + ": " + outcome);
                assertEquals(0, child.awaitExit(TIMEOUT), child.describe());
                child.assertNoCrash();
            }
            append(wal, 100);
            assertExactlyAcknowledged(wal, "the holder after the refusal");
        }
    }

    @Test
    void shouldRefuseThisProcessWhileAChildProcessWrites()
    {
        try (ChildProcess child = hold(300))
        {
            child.awaitLine(line -> line.equals("HOLDING") || line.startsWith("X ") || line.startsWith("REFUSED"),
                TIMEOUT);
            assertEquals(300, acks.total(), child.describe());

            final ShardwalException refused = assertThrows(ShardwalException.class, () -> ShardedWal.open(options()));
            assertEquals(ShardwalException.Category.LOCKED, refused.category(), refused.toString());
            assertTrue(refused.getMessage().contains("pid " + child.pid()), "the refusal does not name the holder, "
                + "pid " + child.pid() + ": " + refused.getMessage());

            try (ShardedWal reader = ShardedWal.openReadOnly(dir))
            {
                assertExactlyAcknowledged(reader, "a reader while the child writes");
            }

            child.closeStdin();
            child.awaitLine(line -> line.equals("CLOSED"), TIMEOUT);
            assertEquals(0, child.awaitExit(TIMEOUT), child.describe());
            child.assertNoCrash();
        }
        try (ShardedWal wal = ShardedWal.open(options()))
        {
            assertEquals("CLEAN", wal.recoveryReport().previousStop(), wal.recoveryReport().summary());
            assertExactlyAcknowledged(wal, "the next writer");
        }
    }

    @Test
    void shouldReleaseTheLockWhenTheWriterProcessIsKilled()
    {
        try (ChildProcess child = hold(500))
        {
            child.awaitLine(line -> line.equals("HOLDING") || line.startsWith("X ") || line.startsWith("REFUSED"),
                TIMEOUT);
            child.killAndExpectSigkill();
            child.assertNoCrash();
        }
        try (ShardedWal wal = ShardedWal.open(options()))
        {
            assertEquals("PROCESS_CRASH", wal.recoveryReport().previousStop(), wal.recoveryReport().summary());
            assertExactlyAcknowledged(wal, "the writer after the killed one");
            append(wal, 100);
        }
    }

    @Test
    void shouldLetExactlyOneOfTwoProcessesCreatingTheSameLogAtOnceWrite()
    {
        for (int round = 0; round < ROUNDS; round++)
        {
            final Path fresh = work.resolve("race-" + round);
            try (ChildProcess first = racer(fresh, 1 + 2 * round); ChildProcess second = racer(fresh, 2 + 2 * round))
            {
                first.awaitLine("READY"::equals, TIMEOUT);
                second.awaitLine("READY"::equals, TIMEOUT);
                first.send("OPEN");
                second.send("OPEN");
                final String one = first.awaitLine(line -> !line.startsWith(AckLog.PREFIX), TIMEOUT);
                final String other = second.awaitLine(line -> !line.startsWith(AckLog.PREFIX), TIMEOUT);
                final List<String> outcomes = List.of(one, other);
                assertTrue(outcomes.contains("OPENED")
                    && outcomes.stream().anyMatch(outcome -> outcome.startsWith("REFUSED LOCKED ")), "round " + round
                    + ": two processes creating one log at once should end with one writer and one LOCKED refusal, "
                    + "not " + outcomes + "\n" + first.describe() + "\n" + second.describe());
                first.closeStdin();
                second.closeStdin();
                assertEquals(0, first.awaitExit(TIMEOUT), first.describe());
                assertEquals(0, second.awaitExit(TIMEOUT), second.describe());
            }
            try (ShardedWal wal = ShardedWal.open(WalOptions.builder(fresh).shardCount(4).segmentSize(64 * 1024)
                .build()))
            {
                assertEquals("CLEAN", wal.recoveryReport().previousStop(), wal.recoveryReport().summary());
            }
        }
    }

    /** A child that opens {@code log} for writing (creating it) when told OPEN, then appends as {@code writer}. */
    private ChildProcess racer(final Path log, final int writer)
    {
        final ChildArgs args = new ChildArgs().set("do", "hold").set("dir", log).set("shards", 4)
            .set("segment", 64 * 1024).set("seed", seed).set("writer", writer).set("records", 50)
            .set("awaitOpen", true);
        return ChildProcess.of(ProbeChild.class, work.resolve("crashes"), args.toArray()).lineFilter(acks::accept)
            .start();
    }

    private WalOptions options()
    {
        return WalOptions.builder(dir).shardCount(4).segmentSize(64 * 1024).build();
    }

    /** A child that opens the log for writing, appends {@code records} records as writer 1 and holds it. */
    private ChildProcess hold(final int records)
    {
        final ChildArgs args = new ChildArgs().set("do", "hold").set("dir", dir).set("shards", 4)
            .set("segment", 64 * 1024).set("seed", seed).set("writer", 1).set("records", records);
        return ChildProcess.of(ProbeChild.class, work.resolve("crashes"), args.toArray()).lineFilter(acks::accept)
            .start();
    }

    private void append(final ShardedWal wal, final int records)
    {
        final long first = acks.seqLimit(0);
        for (long seq = first; seq < first + records; seq++)
        {
            acks.record(0, seq, wal.append(scheme.key(0, seq), scheme.value(0, seq)));
        }
    }

    private void assertExactlyAcknowledged(final ShardedWal wal, final String who)
    {
        final List<String> problems = Readback.exactly(wal, scheme, acks);
        assertTrue(problems.isEmpty(), "seed " + seed + ", " + who + ":\n  " + String.join("\n  ", problems));
    }
}
