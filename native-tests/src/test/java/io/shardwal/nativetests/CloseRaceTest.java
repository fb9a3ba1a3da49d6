package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/**
 * {@code close()} unmaps every segment while, in the same process, writer threads append (and roll) and a tailer
 * reads. The contract: the racing calls fail with CLOSED, the JVM never crashes (no access to an unmapped page),
 * the close completes, and the next open finds a cleanly closed log holding every acknowledged record. Each round
 * is a child JVM closing at a random moment; the log carries over from round to round.
 */
@Slow
class CloseRaceTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int ROUNDS = 4;
    private static final int THREADS = 3;
    /** Records acknowledged in each round before its close is sent. */
    private static final int ACKS_PER_ROUND = 50;

    private final long seed = Seeds.seed();
    private final AckLog acks = new AckLog();
    private Path work;
    private Path dir;

    @BeforeEach
    void scratch()
    {
        work = Directories.scratch("close-race");
        dir = work.resolve("wal");
    }

    @AfterEach
    void cleanUp()
    {
        ChildProcess.assertNoCrashFiles(work.resolve("crashes"));
        Directories.delete(work);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(names = "ASYNC")
    void shouldFailAppendsAndReadsRacingACloseWithClosedAndNeverCrash(final SyncMode mode) throws Exception
    {
        raceCloses(mode);
    }

    /**
     * In STRICT mode (and for BATCH_ONLY batches) appenders msync through a downcall that keeps the segment's
     * memory session acquired while it runs; a close that unmaps the segment then must wait for it, not fail.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(names = {"STRICT", "BATCH_ONLY"})
    void shouldCompleteACloseThatRacesAppendsWaitingForTheirMsync(final SyncMode mode) throws Exception
    {
        raceCloses(mode);
    }

    private void raceCloses(final SyncMode mode) throws Exception
    {
        final SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < ROUNDS; round++)
        {
            final ChildArgs args = new ChildArgs().set("dir", dir).set("mode", mode).set("shards", 4)
                .set("segment", 64 * 1024).set("threads", THREADS).set("firstWriter", round * THREADS).set("seed", seed)
                .set("rate", 20_000).set("tail", true).set("then", "race-close");
            final long acksBefore = acks.total();
            try (ChildProcess child = ChildProcess.of(AppendingChild.class, work.resolve("crashes"), args.toArray())
                .lineFilter(acks::accept).start())
            {
                assertEquals("OPENED", child.awaitLine(line -> line.equals("OPENED") || line.startsWith("X "),
                    TIMEOUT), child.describe());
                awaitAcks(acksBefore + ACKS_PER_ROUND, child);
                Thread.sleep(random.nextInt(400));
                child.send("CLOSE");
                assertEquals(0, child.awaitExit(TIMEOUT), "seed " + seed + " round " + round + ": the child did "
                    + "not end normally\n" + child.describe());
                child.assertNoCrash();
                final List<String> lines = child.lines();
                final List<String> stopped = lines.stream().filter(line -> line.startsWith("STOPPED ")).toList();
                assertTrue(lines.contains("CLOSED") && lines.contains("DONE"), child.describe());
                assertEquals(THREADS + 1, stopped.size(), "seed " + seed + " round " + round + ": every writer and "
                    + "the tailer should have stopped with CLOSED\n" + child.describe());
            }
        }
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(4).segmentSize(64 * 1024)
            .syncMode(mode).build()))
        {
            assertEquals("CLEAN", wal.recoveryReport().previousStop(), wal.recoveryReport().summary());
            final LogVerifier.Result result = new LogVerifier(new RecordScheme(seed), acks, ROUNDS * THREADS)
                .verify(wal, RecoverySummary.of(wal.recoveryReport()));
            assertTrue(result.ok(), "seed " + seed + ": " + result.describe());
        }
    }

    /**
     * Waits until {@code count} records are acknowledged in all, so that every close races appends already under
     * way however slowly the child starts on a loaded machine (a fixed pause left some runs with too few acks to
     * prove anything).
     */
    private void awaitAcks(final long count, final ChildProcess child) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (acks.total() < count)
        {
            assertTrue(System.nanoTime() - deadline < 0, "seed " + seed + ": only " + acks.total() + " of " + count
                + " records acknowledged after " + TIMEOUT + "\n" + child.describe());
            Thread.sleep(5);
        }
    }
}
