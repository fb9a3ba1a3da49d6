package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/**
 * A reader process ({@link TailingChild}: read-only open, a tailer per shard) follows a writer process
 * ({@link AppendingChild}: three threads of singles, batches and claims) live, through the shared page cache,
 * across many segment rolls — and across a SIGKILL of the writer and the recovery of the next one. It must see
 * every acknowledged record, intact, exactly once, in position order per shard, and never a record that the
 * log does not keep.
 */
@Slow
class CrossProcessTailTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int SHARDS = 4;
    private static final long SEGMENT = 64 * 1024;
    private static final int THREADS = 3;

    private final long seed = Seeds.seed();
    private final AckLog acks = new AckLog();
    private final TailLog tail = new TailLog();
    private Path work;
    private Path dir;
    private Path crashes;

    @BeforeEach
    void scratch()
    {
        work = Directories.scratch("tail");
        dir = work.resolve("wal");
        crashes = work.resolve("crashes");
    }

    @AfterEach
    void cleanUp()
    {
        ChildProcess.assertNoCrashFiles(crashes);
        Directories.delete(work);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldDeliverEveryRecordOfALiveWriterProcessToAReaderProcess(final SyncMode mode) throws Exception
    {
        try (ChildProcess writer = writer(mode, 0, 2500, true))
        {
            awaitOpened(writer);
            try (ChildProcess reader = reader())
            {
                reader.awaitLine("READY"::equals, TIMEOUT);
                writer.send("GO");
                writer.awaitLine(line -> line.equals("DONE") || line.startsWith("X "), TIMEOUT);
                assertEquals(expectedAcks(0, THREADS, 2500), acks.total(), writer.describe());
                stopReader(reader, acks.total());
                closeWriter(writer);
            }
        }
        assertSawEveryAcknowledgedRecord();
        assertTrue(tail.seen().stream().anyMatch(seen -> seen.position() > 4 * SEGMENT), "the reader never followed "
            + "a shard past its fourth segment: too little was written to prove it follows rolls");
        try (ShardedWal wal = ShardedWal.open(options(mode)))
        {
            final LogVerifier verifier = new LogVerifier(new RecordScheme(seed), acks, THREADS);
            final LogVerifier.Result result = verifier.verify(wal, RecoverySummary.of(wal.recoveryReport()));
            assertTrue(result.ok(), "seed " + seed + ": " + result.describe());
            assertEquals(result.records(), tail.size(), "the reader saw another number of records than the log holds");
        }
    }

    @Test
    void shouldKeepTailingAcrossAWriterCrashAndRestart() throws Exception
    {
        final SplittableRandom random = new SplittableRandom(seed);
        try (ChildProcess first = writer(SyncMode.ASYNC, 0, 0, true))
        {
            awaitOpened(first);
            try (ChildProcess reader = reader())
            {
                reader.awaitLine("READY"::equals, TIMEOUT);
                first.send("GO");
                Thread.sleep(200 + random.nextInt(600));
                first.killAndExpectSigkill();
                first.assertNoCrash();
                try (ChildProcess second = writer(SyncMode.ASYNC, THREADS, 1500, false))
                {
                    second.awaitLine(line -> line.equals("DONE") || line.startsWith("X "), TIMEOUT);
                    stopReader(reader, acks.total());
                    closeWriter(second);
                }
            }
        }
        assertSawEveryAcknowledgedRecord();
        try (ShardedWal wal = ShardedWal.open(options(SyncMode.ASYNC)))
        {
            final LogVerifier verifier = new LogVerifier(new RecordScheme(seed), acks, 2 * THREADS);
            final LogVerifier.Result result = verifier.verify(wal, RecoverySummary.of(wal.recoveryReport()));
            assertTrue(result.ok(), "seed " + seed + ": " + result.describe());
            final List<String> unkept = new ArrayList<>();
            for (final TailLog.Seen seen : tail.seen())
            {
                if (!verifier.present(seen.writer(), seen.seq()) && unkept.size() < 20)
                {
                    unkept.add(seen.toString());
                }
            }
            assertTrue(unkept.isEmpty(), "seed " + seed + ": the reader saw records the recovered log does not "
                + "hold:\n  " + String.join("\n  ", unkept));
        }
    }

    private WalOptions options(final SyncMode mode)
    {
        return WalOptions.builder(dir).shardCount(SHARDS).segmentSize(SEGMENT).syncMode(mode).build();
    }

    /**
     * A writer child: writers {@code [firstWriter, firstWriter + THREADS)}, {@code records} per thread (0: until
     * killed) at 4000 records/s per thread, waiting for {@code GO} after it opened if {@code awaitGo}.
     */
    private ChildProcess writer(final SyncMode mode, final int firstWriter, final int records, final boolean awaitGo)
    {
        final ChildArgs args = new ChildArgs().set("dir", dir).set("mode", mode).set("shards", SHARDS)
            .set("segment", SEGMENT).set("threads", THREADS).set("firstWriter", firstWriter).set("seed", seed)
            .set("rate", 4000).set("records", records).set("go", awaitGo).set("then", "close");
        return ChildProcess.of(AppendingChild.class, crashes, args.toArray()).lineFilter(acks::accept).start();
    }

    private static void awaitOpened(final ChildProcess writer)
    {
        final String line = writer.awaitLine(l -> l.equals("OPENED") || l.startsWith("X "), TIMEOUT);
        assertEquals("OPENED", line, writer.describe());
    }

    /** A reader child; start it once the writer has created the log. */
    private ChildProcess reader()
    {
        final ChildArgs args = new ChildArgs().set("dir", dir).set("seed", seed);
        return ChildProcess.of(TailingChild.class, crashes, args.toArray()).lineFilter(tail::accept).start();
    }

    /** Waits until the reader has seen {@code expected} records (or a minute passed), then stops it. */
    private void stopReader(final ChildProcess reader, final long expected) throws InterruptedException
    {
        tail.awaitAtLeast(expected, 60_000);
        reader.send("STOP");
        final String end = reader.awaitLine(line -> line.startsWith("END "), TIMEOUT);
        assertEquals(0, reader.awaitExit(TIMEOUT), reader.describe());
        reader.assertNoCrash();
        final List<String> complaints = reader.lines().stream()
            .filter(line -> line.startsWith("BAD ") || line.startsWith("ERROR ") || line.startsWith("X ")).toList();
        assertTrue(complaints.isEmpty(), "seed " + seed + ": the reader complained:\n  "
            + String.join("\n  ", complaints) + "\n" + reader.describe());
        assertEquals("END " + tail.size(), end, reader.describe());
    }

    private static void closeWriter(final ChildProcess writer)
    {
        writer.closeStdin();
        writer.awaitLine(line -> line.equals("CLOSED") || line.startsWith("X "), TIMEOUT);
        assertEquals(0, writer.awaitExit(TIMEOUT), writer.describe());
        writer.assertNoCrash();
    }

    private void assertSawEveryAcknowledgedRecord()
    {
        final List<String> problems = tail.check(acks, SHARDS);
        assertTrue(problems.isEmpty(), "seed " + seed + ": " + tail.size() + " records seen, " + acks.total()
            + " acknowledged:\n  " + String.join("\n  ", problems));
    }

    /** How many records writers {@code [first, first + count)} acknowledge when each stops after {@code records}. */
    private long expectedAcks(final int first, final int count, final long records)
    {
        long expected = 0;
        for (int writer = first; writer < first + count; writer++)
        {
            final OpPlan plan = new OpPlan(seed, writer);
            long done = 0;
            while (done < records)
            {
                final OpPlan.Op op = plan.next();
                expected += op.kind() == OpPlan.Kind.ABORTED_CLAIM ? 0 : op.size();
                done += op.size();
            }
        }
        return expected;
    }
}
