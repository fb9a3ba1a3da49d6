package io.shardwal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.index.Labels;
import io.shardwal.index.ShardedIndex;
import io.shardwal.ingest.Ingest;
import io.shardwal.ingest.IngestOptions;
import io.shardwal.ingest.IngestReplay;
import io.shardwal.wal.PruneGuard;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** inspect, checkpoint, checkpoints, prune and compact against real logs: output, effect and exit code. */
class AdminCommandsTest
{
    @TempDir
    Path dir;

    private Path log;

    @BeforeEach
    void writeLog()
    {
        log = dir.resolve("log");
        TestLogs.write(log, 600);
    }

    @Test
    void shouldInspectManifestWriterCheckpointsShardsAndSegmentFiles()
    {
        Cli.run("checkpoint", log, "before-inspect");
        final Cli.Run run = Cli.run("inspect", log);
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("shards=3"), run.out());
        assertTrue(run.out().contains("segmentSize=16384"), run.out());
        assertTrue(run.out().contains("writer       none; the last writer closed cleanly"), run.out());
        assertTrue(run.out().contains("checkpoints  1; latest before-inspect"), run.out());
        try (ShardedWal wal = ShardedWal.openReadOnly(log))
        {
            for (int shard = 0; shard < TestLogs.SHARDS; shard++)
            {
                assertTrue(run.out().lines().anyMatch(line -> line.matches("\\d+\\s.*")
                    && line.split("\\s+").length > 3 && line.split("\\s+")[3].equals(
                    String.valueOf(wal.committedPosition(Integer.parseInt(line.split("\\s+")[0]))))),
                    "committed positions per shard: " + run.out());
            }
        }
        assertTrue(run.out().contains("shard_00/00000000000000000000.wal"), run.out());
        assertTrue(run.out().matches("(?s).*shard_00/\\S+\\s+\\d+\\s+[\\d.]+ KiB\\s+full.*"), run.out());
        assertTrue(run.out().contains("active"), run.out());
    }

    @Test
    void shouldShowTheLiveWriterAndRefuseWritingCommandsWhileItHoldsTheLog()
    {
        try (ShardedWal writer = ShardedWal.open(TestLogs.options(log)))
        {
            writer.append(new byte[] {1}, new byte[] {2});
            final Cli.Run inspect = Cli.run("inspect", log);
            assertTrue(inspect.out().contains("writer       live: this JVM (pid " + ProcessHandle.current().pid()),
                inspect.out());
            for (final Object[] command : List.of(new Object[] {"checkpoint", log, "x"},
                new Object[] {"prune", log, "--before", "x"}, new Object[] {"compact", log, "--keep", 1}))
            {
                final Cli.Run refused = Cli.run(command);
                assertEquals(3, refused.exit(), refused.toString());
                assertEquals(1, refused.err().lines().count(), refused.err());
                assertTrue(refused.err().contains(log + " is being written by this JVM"), refused.err());
            }
            assertEquals(0, writer.checkpointCount(), "nothing was written behind the writer's back");
        }
    }

    @Test
    void shouldCreateListPruneAndCompactCheckpoints()
    {
        final Cli.Run first = Cli.run("checkpoint", log, "one");
        assertEquals(0, first.exit(), first.toString());
        assertTrue(first.out().startsWith("checkpoint one created at "), first.out());
        TestLogs.write(log, 300);
        assertEquals(0, Cli.run("checkpoint", log, "two").exit());
        TestLogs.write(log, 300);
        assertEquals(0, Cli.run("checkpoint", log, "three").exit());

        final Cli.Run duplicate = Cli.run("checkpoint", log, "two");
        assertEquals(2, duplicate.exit(), duplicate.toString());

        final Cli.Run list = Cli.run("checkpoints", log, "--positions");
        assertEquals(0, list.exit(), list.toString());
        assertTrue(list.out().contains("3 checkpoints; latest: three"), list.out());
        final List<Checkpoint> checkpoints;
        try (ShardedWal wal = ShardedWal.openReadOnly(log))
        {
            checkpoints = wal.listCheckpoints();
        }
        assertEquals(List.of("one", "two", "three"), checkpoints.stream().map(Checkpoint::idText).toList());
        assertTrue(list.out().contains("two: 0=" + checkpoints.get(1).position(0) + " 1="
            + checkpoints.get(1).position(1) + " 2=" + checkpoints.get(1).position(2)), list.out());

        final long firstBefore = firstPosition(0);
        final Cli.Run prune = Cli.run("prune", log, "--before", "three");
        assertEquals(0, prune.exit(), prune.toString());
        assertTrue(prune.out().matches("pruned \\d+ segment files? \\(.*\\) below checkpoint three\n"), prune.out());
        assertTrue(firstPosition(0) > firstBefore, "segments below the checkpoint are gone");
        assertEquals(0, Cli.run("verify", log).exit(), "a pruned log verifies clean");

        final Cli.Run compact = Cli.run("compact", log, "--keep", 1);
        assertEquals(0, compact.exit(), compact.toString());
        assertTrue(compact.out().startsWith("kept 1 of 3 checkpoints; checkpoints.log "), compact.out());
        assertTrue(Cli.run("checkpoints", log).out().contains("1 checkpoint; latest: three"));
    }

    private long firstPosition(final int shard)
    {
        try (ShardedWal wal = ShardedWal.openReadOnly(log))
        {
            return wal.firstPosition(shard);
        }
    }

    @Test
    void shouldPruneAnIngestLogKeepingEverySeriesDefined()
    {
        final Path metrics = dir.resolve("metrics");
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(metrics).shardCount(2).segmentSize(1 << 14)
            .syncMode(SyncMode.BATCH_ONLY).build()); ShardedIndex index = ShardedIndex.withShards(1);
            Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().build()))
        {
            for (int round = 0; round < 40; round++)
            {
                if (round == 30)
                {
                    ingest.flush();
                    wal.createCheckpoint("c1");
                }
                for (int host = 0; host < 50; host++)
                {
                    ingest.send(Labels.of("__name__", "up", "host", "h" + host), round, 1);
                }
            }
        }
        final Cli.Run inspect = Cli.run("inspect", metrics);
        assertTrue(inspect.out().contains("\nprunes       only through its owner \"ingest\" (prune.guard): series are "
            + "defined in an ingest log once; prune it through Ingest.pruneBefore or 'shardwal prune DIR --before ID "
            + "--ingest'"), inspect.out());
        assertFalse(Cli.run("inspect", log).out().contains("prunes  "), "an unguarded log says nothing of prunes");

        // Without --ingest the ingest's guard refuses, naming the remedy, and nothing is deleted.
        final Cli.Run plain = Cli.run("prune", metrics, "--before", "c1");
        assertEquals(2, plain.exit(), plain.toString());
        assertEquals("shardwal prune: " + metrics + " is an ingest log (prune.guard): prune it with --ingest, which "
            + "writes the series definitions of the segments to delete again first; nothing was deleted\n",
            plain.err());
        try (ShardedWal wal = ShardedWal.openReadOnly(metrics))
        {
            assertEquals(0, wal.firstPosition(0));
        }
        // Reading a big log's definitions takes long: the progress goes to stderr (shown at once here).
        final long quiet = ProgressBar.longWorkNanos;
        ProgressBar.longWorkNanos = 0;
        final Cli.Run prune;
        try
        {
            prune = Cli.run("prune", metrics, "--before", "c1", "--ingest");
        }
        finally
        {
            ProgressBar.longWorkNanos = quiet;
        }
        assertEquals(0, prune.exit(), prune.toString());
        assertTrue(prune.err().matches("(reading series definitions: \\d+%  .* / .*  .*/s\n)+"), prune.err());
        assertTrue(prune.err().lines().toList().getLast().startsWith("reading series definitions: 100%  "),
            prune.err());
        assertTrue(prune.out().matches("wrote 50 series definitions of the segments to delete again\\n"
            + "pruned \\d+ segment files \\(.*\\) below checkpoint c1\\n"), prune.out());
        try (ShardedWal wal = ShardedWal.openReadOnly(metrics); ShardedIndex index = ShardedIndex.withShards(1))
        {
            final IngestReplay.Result replayed = IngestReplay.replay(wal, index, null, 1);
            assertEquals(0, replayed.orphanSamples(), replayed.toString());
            assertEquals(50, index.seriesCount());
            assertTrue(wal.firstPosition(0) > 0 && wal.firstPosition(1) > 0, "both shards were pruned");
        }

        // A log another owner guards: the ingest's prune is refused in one line, and nothing is deleted.
        final Path other = dir.resolve("other");
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(other).shardCount(1).segmentSize(1 << 14).build()))
        {
            PruneGuard.install(wal, "archiver", "prune through the archiver");
            wal.createCheckpoint("c1");
        }
        final Cli.Run guarded = Cli.run("prune", other, "--before", "c1", "--ingest");
        assertEquals(3, guarded.exit(), guarded.toString());
        assertEquals("shardwal prune: cannot guard the log in " + other + " for \"ingest\": its owner is \"archiver\" ("
            + other.resolve("prune.guard") + ")\n", guarded.err());
        final Cli.Run plainOther = Cli.run("prune", other, "--before", "c1");
        assertEquals(2, plainOther.exit(), plainOther.toString());
        assertTrue(plainOther.err().endsWith("is guarded by \"archiver\" (prune.guard): prune through the archiver; "
            + "nothing was deleted\n"), plainOther.err());

        // A log with records the ingest did not write is refused, and nothing is deleted.
        Cli.run("checkpoint", log, "late");
        final long first = firstPosition(0);
        final Cli.Run foreign = Cli.run("prune", log, "--before", "late", "--ingest");
        assertEquals(3, foreign.exit(), foreign.toString());
        assertTrue(foreign.err().matches("(?s).*shard \\d+ position \\d+ is not an ingest record.*"), foreign.err());
        assertEquals(first, firstPosition(0));
    }

    @Test
    void shouldRefuseAnUnknownCheckpointInOneLine()
    {
        final Cli.Run run = Cli.run("prune", log, "--before", "never");
        assertEquals(3, run.exit(), run.toString());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().startsWith("shardwal prune: NOT_FOUND"), run.err());
        assertTrue(run.err().contains("never"), run.err());
    }

    /** Its help promises exit 1 with the damaged entries named; a damaged entry must not just vanish from the list. */
    @Test
    void shouldNameADamagedCheckpointEntryAndExitOneWithoutChangingTheLog()
    {
        assertEquals(0, Cli.run("checkpoint", log, "one").exit());
        assertEquals(0, Cli.run("checkpoint", log, "two").exit());
        LogFiles.flipBit(log.resolve("checkpoints.log"), 20, 2);
        final java.util.Map<String, LogFiles.State> before = LogFiles.snapshot(log);

        final Cli.Run run = Cli.run("checkpoints", log);

        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.out().contains("1 checkpoint; latest: two"), run.out());
        assertTrue(run.out().contains("DAMAGED_ENTRY checkpoints.log offset 0 ("), run.out());
        assertEquals(before, LogFiles.snapshot(log), "read-only: nothing repaired");
    }

    @Test
    void shouldSayInInspectThatCheckpointsLogIsDamagedInsteadOfCountingOnlyWhatItCanRead()
    {
        assertEquals(0, Cli.run("checkpoint", log, "one").exit());
        assertEquals(0, Cli.run("checkpoint", log, "two").exit());
        LogFiles.flipBit(log.resolve("checkpoints.log"), 20, 2);

        final Cli.Run run = Cli.run("inspect", log);

        assertTrue(run.out().contains("checkpoints  1; latest two created "), run.out());
        assertTrue(run.out().contains("; checkpoints.log has 1 problem: DAMAGED_ENTRY at offset 0 (run 'shardwal "
            + "verify')"), run.out());
    }

    /** CLI.md: CORRUPT exits 1, every other engine category 3, the same in every command. */
    @Test
    void shouldExitLikeEveryOtherCommandOnATruncatedSegmentFile() throws Exception
    {
        try (var channel = java.nio.channels.FileChannel.open(log.resolve(String.format("shard_01/%020d.wal", 0)),
            java.nio.file.StandardOpenOption.WRITE))
        {
            channel.truncate(100);
        }
        final Cli.Run dump = Cli.run("dump", log);
        final Cli.Run inspect = Cli.run("inspect", log);

        assertEquals(3, dump.exit(), dump.toString());
        assertEquals(dump.exit(), inspect.exit(), inspect.toString());
        assertTrue(inspect.err().startsWith("shardwal inspect: FORMAT: segment file is 100 bytes"), inspect.err());
        assertEquals(1, inspect.err().lines().count(), inspect.err());
    }

    @Test
    void shouldSayWhenThereAreNoCheckpoints()
    {
        final Cli.Run run = Cli.run("checkpoints", log);
        assertEquals(0, run.exit());
        assertEquals("no checkpoints in " + log + "\n", run.out());
    }

    @Test
    void shouldPrintUsageAndExitTwoForBadArguments()
    {
        for (final Object[] args : List.of(new Object[] {}, new Object[] {"frobnicate"},
            new Object[] {"dump"}, new Object[] {"compact", log}, new Object[] {"compact", log, "--keep", 0},
            new Object[] {"demo", "--records", "lots"}, new Object[] {"stats", log, "--json", "--prometheus"},
            new Object[] {"tail", log, "--shard", "-1"}))
        {
            final Cli.Run run = Cli.run(args);
            assertEquals(2, run.exit(), List.of(args) + ": " + run);
            assertTrue(run.err().contains("Usage: shardwal"), List.of(args) + ": " + run.err());
            assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
        }
    }

    @Test
    void shouldDocumentExitCodesInHelpAndPrintTheVersion()
    {
        final Cli.Run help = Cli.run("--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("Exit codes:"), help.out());
        assertTrue(help.out().matches("(?s).*\\n\\s+3\\s+the command could not run.*"), help.out());
        for (final String command : List.of("demo", "inspect", "verify", "dump", "checkpoint", "checkpoints", "prune",
            "compact", "stats", "tail"))
        {
            assertTrue(help.out().contains("  " + command + " "), command + " listed: " + help.out());
            final Cli.Run sub = Cli.run(command, "--help");
            assertEquals(0, sub.exit(), command);
            assertTrue(sub.out().contains("Exit codes:"), command + ": " + sub.out());
        }
        final Cli.Run version = Cli.run("--version");
        assertEquals(0, version.exit());
        assertTrue(version.out().startsWith("shardwal "), version.out());
    }

    @Test
    void shouldReportAMissingManifestOfALogThatHasShardsAsNotALog() throws Exception
    {
        Files.delete(log.resolve("wal.manifest"));
        final Cli.Run run = Cli.run("inspect", log);
        assertEquals(3, run.exit());
        assertEquals("shardwal inspect: " + log + ": not a shardwal log (it has no wal.manifest)\n", run.err());
    }
}
