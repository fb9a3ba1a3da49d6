package io.shardwal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import io.shardwal.mmap.SegmentDescriptor;
import io.shardwal.wal.PruneGuard;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code verify} finds damage, names it precisely, and never changes a byte. */
class VerifyCommandTest
{
    @TempDir
    Path dir;

    private Path log;
    private List<TestLogs.Written> written;

    @BeforeEach
    void writeLog()
    {
        log = dir.resolve("log");
        written = TestLogs.write(log, 600);
    }

    @Test
    void shouldExitZeroOnACleanLogAndCountEveryRecord()
    {
        final Cli.Run run = Cli.run("verify", log);
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("3 shards"), run.out());
        assertTrue(run.out().contains("600 records"), run.out());
        assertTrue(run.out().endsWith("no damage found\n"), run.out());
    }

    @Test
    void shouldNameTheShardFilePositionAndReasonOfAFlippedByteAndChangeNothing()
    {
        final TestLogs.Written victim = written.stream().filter(record -> record.shard() == 1
            && record.position() > TestLogs.SEGMENT_SIZE && record.value().length > 20).findFirst().orElseThrow();
        final long base = victim.position() - victim.position() % TestLogs.SEGMENT_SIZE;
        final String file = String.format("shard_01/%020d.wal", base);
        final long fileOffset = SegmentDescriptor.DATA_OFFSET + victim.position() - base;
        LogFiles.flipBit(log.resolve(file), fileOffset + 12 + victim.key().length + 5, 3);
        final Map<String, LogFiles.State> before = LogFiles.snapshot(log);

        final Cli.Run run = Cli.run("verify", log);

        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.out().contains("CHECKSUM_MISMATCH shard 1 " + file + " position " + victim.position()
            + " (file offset " + fileOffset + ","), run.out());
        assertTrue(run.out().contains("fails its checksum"), run.out());
        assertTrue(run.out().endsWith("1 problem found\n"), run.out());
        assertEquals(before, LogFiles.snapshot(log), "verify changed nothing, not even a modification time");
    }

    @Test
    void shouldListEveryDamagedFrameAcrossShards()
    {
        int damaged = 0;
        for (int shard = 0; shard < TestLogs.SHARDS; shard++)
        {
            final int s = shard;
            final TestLogs.Written victim = written.stream().filter(record -> record.shard() == s
                && record.position() >= 1024).findFirst().orElseThrow();
            final long base = victim.position() - victim.position() % TestLogs.SEGMENT_SIZE;
            LogFiles.flipBit(log.resolve(String.format("shard_%02d/%020d.wal", shard, base)),
                SegmentDescriptor.DATA_OFFSET + victim.position() - base + 13, 0);
            damaged++;
        }
        final Cli.Run run = Cli.run("verify", log);
        assertEquals(1, run.exit(), run.toString());
        for (int shard = 0; shard < TestLogs.SHARDS; shard++)
        {
            assertTrue(run.out().contains("CHECKSUM_MISMATCH shard " + shard + " "), run.out());
        }
        assertTrue(run.out().endsWith(damaged + " problems found\n"), run.out());
    }

    /** With 1,200 records every shard has at least three full segments, so the second one lies in the middle. */
    @Test
    void shouldReportAMissingSegmentAndATornCheckpointLog() throws IOException
    {
        TestLogs.write(log, 600);
        Cli.run("checkpoint", log, "first");
        Files.delete(log.resolve(String.format("shard_02/%020d.wal", TestLogs.SEGMENT_SIZE)));
        Files.write(log.resolve("checkpoints.log"), new byte[] {'C', 'K', 'P', 'T', 1, 2}, StandardOpenOption.APPEND);

        final Cli.Run run = Cli.run("verify", log);

        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.out().contains("MISSING_SEGMENT shard 2 shard_02/" + String.format("%020d.wal",
            TestLogs.SEGMENT_SIZE) + " position " + TestLogs.SEGMENT_SIZE), run.out());
        assertTrue(run.out().contains("TORN_TAIL checkpoints.log offset "), run.out());
    }

    /**
     * Only pruning removes segments, and only below a checkpoint: a chain that starts above the latest checkpoint
     * (or above 0 without one), or a shard without any segment file, has lost records.
     */
    @Test
    void shouldReportLostLeadingSegmentsAndALostShardDirectory() throws IOException
    {
        TestLogs.write(log, 600);
        Files.delete(log.resolve(String.format("shard_01/%020d.wal", 0)));
        try (var files = Files.list(log.resolve("shard_02")))
        {
            for (final Path file : files.toList())
            {
                Files.delete(file);
            }
        }
        Files.delete(log.resolve("shard_02"));

        final Cli.Run run = Cli.run("verify", log);

        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.out().contains("MISSING_SEGMENT shard 1 shard_01/" + String.format("%020d.wal", 0)
            + " position 0"), run.out());
        assertTrue(run.out().contains("MISSING_SEGMENT shard 2 shard_02/" + String.format("%020d.wal", 0)
            + " position 0"), run.out());
    }

    /** verify is what every other command sends the user to on damage: it must list it, not say "run verify". */
    @Test
    void shouldListADamagedManifestAsAFinding() throws IOException
    {
        final Path manifest = log.resolve("wal.manifest");
        Files.writeString(manifest, Files.readString(manifest).replace("shards=3", "shards=4"));

        final Cli.Run run = Cli.run("verify", log);

        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.out().startsWith("MANIFEST_CORRUPT wal.manifest offset 0: "), run.out());
        assertTrue(run.out().contains("checksum"), run.out());
        assertEquals("", run.err());
    }

    /** A damaged manifest does not hide damage elsewhere: the files show the shard layout it held. */
    @Test
    void shouldCheckEverythingElseWithTheLayoutTheFilesShowWhenTheManifestIsDamaged() throws IOException
    {
        final TestLogs.Written victim = written.stream().filter(record -> record.shard() == 2
            && record.value().length > 20).findFirst().orElseThrow();
        final long base = victim.position() - victim.position() % TestLogs.SEGMENT_SIZE;
        final String file = String.format("shard_02/%020d.wal", base);
        LogFiles.flipBit(log.resolve(file), SegmentDescriptor.DATA_OFFSET + victim.position() - base + 12
            + victim.key().length + 5, 3);
        final Path manifest = log.resolve("wal.manifest");
        Files.writeString(manifest, Files.readString(manifest).replace("shards=3", "shards=4"));

        final Cli.Run run = Cli.run("verify", log);

        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.out().startsWith("MANIFEST_CORRUPT wal.manifest offset 0: "), run.out());
        assertTrue(run.out().contains("; the rest was checked with the layout the files show: 3 shards of "
            + TestLogs.SEGMENT_SIZE + "-byte segments"), run.out());
        assertTrue(run.out().contains("CHECKSUM_MISMATCH shard 2 " + file + " position " + victim.position()),
            run.out());
        assertTrue(run.out().contains("599 records"), run.out());
        assertTrue(run.out().endsWith("2 problems found\n"), run.out());

        for (int shard = 0; shard < TestLogs.SHARDS; shard++)
        {
            final Path shardDirectory = log.resolve(String.format("shard_%02d", shard));
            try (var files = Files.list(shardDirectory))
            {
                for (final Path segment : files.toList())
                {
                    Files.delete(segment);
                }
            }
            Files.delete(shardDirectory);
        }
        final Cli.Run bare = Cli.run("verify", log);
        assertEquals(1, bare.exit(), bare.toString());
        assertTrue(bare.out().contains("; the files show no shard layout either, so nothing else was checked"),
            bare.out());
    }

    /** An unreadable prune guard refuses every prune of the log: verify names it, and a readable one is no finding. */
    @Test
    void shouldListAnUnreadablePruneGuard() throws IOException
    {
        final Path guard = log.resolve(PruneGuard.FILE_NAME);
        Files.writeString(guard, "owner=ingest\ninstruction=prune with --ingest\n");
        assertEquals(0, Cli.run("verify", log).exit());

        Files.writeString(guard, "owner=ingest\n");
        final Cli.Run run = Cli.run("verify", log);

        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.out().startsWith("PRUNE_GUARD_CORRUPT prune.guard offset 0: "), run.out());
        assertTrue(run.out().contains("it has no instruction line"), run.out());
        assertTrue(run.out().endsWith("1 problem found\n"), run.out());
        final Cli.Run inspect = Cli.run("inspect", log);
        assertEquals(0, inspect.exit(), inspect.toString());
        assertTrue(inspect.out().contains("\nprunes       refused: CORRUPT: unreadable prune guard"), inspect.out());
    }

    /**
     * A damaged LOCK is a finding like any other, not the end of the check: the segments are scanned as the next
     * writer will scan them, which takes such a stop for a possible OS crash.
     */
    @Test
    void shouldListADamagedLockAndGoOnCheckingTheSegments() throws IOException
    {
        final Path lock = log.resolve("LOCK");
        Files.writeString(lock, Files.readString(lock).replace("state=closed", "state=xlosed"));
        final TestLogs.Written victim = written.stream().filter(record -> record.shard() == 2).findFirst()
            .orElseThrow();
        final long base = victim.position() - victim.position() % TestLogs.SEGMENT_SIZE;
        LogFiles.flipBit(log.resolve(String.format("shard_02/%020d.wal", base)),
            SegmentDescriptor.DATA_OFFSET + victim.position() - base + 13, 0);

        final Cli.Run run = Cli.run("verify", log);

        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.out().startsWith("BAD_LOCK LOCK offset 0: "), run.out());
        assertTrue(run.out().contains("CHECKSUM_MISMATCH shard 2 "), run.out());
        assertTrue(run.out().endsWith("2 problems found\n"), run.out());
    }

    /** A big log takes minutes to check: verify shows how far it is on stderr, but stays quiet on a quick run. */
    @Test
    void shouldShowProgressOnStderrWhenTheCheckTakesLong()
    {
        final Cli.Run quick = Cli.run("verify", log);
        assertEquals(0, quick.exit(), quick.toString());
        assertEquals("", quick.err(), "a check shorter than a second shows no progress");

        final long quiet = ProgressBar.longWorkNanos;
        ProgressBar.longWorkNanos = 0;
        try
        {
            final Cli.Run run = Cli.run("verify", log);
            assertEquals(0, run.exit(), run.toString());
            assertEquals(quick.out().lines().count(), run.out().lines().count(), "progress is not on stdout");
            assertTrue(run.err().matches("(?s)(verifying: \\d+%  .* / .*  .*/s\n)*"
                + "verifying: 100%  .*\n"), run.err());
        }
        finally
        {
            ProgressBar.longWorkNanos = quiet;
        }
    }

    @Test
    void shouldSayInOneLineThatADirectoryIsMissingOrNotALog() throws IOException
    {
        final Cli.Run missing = Cli.run("verify", dir.resolve("nope"));
        assertEquals(3, missing.exit());
        assertEquals("shardwal verify: " + dir.resolve("nope") + ": no such directory\n", missing.err());
        Files.createDirectories(dir.resolve("foreign"));
        Files.writeString(dir.resolve("foreign/notes.txt"), "hello");
        final Cli.Run foreign = Cli.run("verify", dir.resolve("foreign"));
        assertEquals(3, foreign.exit());
        assertEquals("shardwal verify: " + dir.resolve("foreign") + ": not a shardwal log (it has no wal.manifest)\n",
            foreign.err());
    }
}
