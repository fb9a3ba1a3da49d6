package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.checkpoint.CheckpointLog;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.WalOptions;

/**
 * A compaction of {@code checkpoints.log} whose final rename fails. The OS refuses the rename when the log file is
 * immutable ({@code chattr +i}, which binds root too), so the test needs root and a file system with that
 * attribute (ext4, xfs, btrfs); elsewhere it is skipped. What users need: the failing call says so, nothing is
 * lost, no temporary file stays behind, and the log keeps taking checkpoints once the cause is gone.
 */
class CompactionFailureTest
{
    private Path work;
    private Path logFile;

    @BeforeEach
    void scratch()
    {
        work = Directories.scratch("compaction-failure");
    }

    @AfterEach
    void mutable() throws Exception
    {
        if (logFile != null)
        {
            chattr("-i", logFile);
        }
    }

    @Test
    void shouldKeepTheLogUsableWhenTheCompactedFileCannotReplaceIt() throws Exception
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(work.resolve("log")).shardCount(2).build()))
        {
            for (int i = 0; i < 5; i++)
            {
                wal.append(new byte[] {(byte)i}, new byte[] {(byte)i});
                wal.createCheckpoint("c" + i);
            }
            logFile = work.resolve("log").resolve(CheckpointLog.FILE_NAME);
            final String refusal = chattr("+i", logFile);
            Assumptions.assumeTrue(refusal == null, "cannot make " + logFile + " immutable: " + refusal);

            final ShardwalException failure = assertThrows(ShardwalException.class, () -> wal.compactCheckpoints(2));
            assertEquals(ShardwalException.Category.IO, failure.category(), failure.getMessage());
            assertFalse(Files.exists(work.resolve("log").resolve(CheckpointLog.FILE_NAME + ".tmp")),
                "the failed compaction left its temporary file");
            assertEquals(List.of("c0", "c1", "c2", "c3", "c4"), ids(wal.listCheckpoints()));

            chattr("-i", logFile);
            logFile = null;
            wal.append(new byte[] {9}, new byte[] {9});
            wal.createCheckpoint("c5");
            assertEquals(6, wal.compactCheckpoints(10).after());
        }
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(work.resolve("log")).shardCount(2).build()))
        {
            assertEquals(List.of("c0", "c1", "c2", "c3", "c4", "c5"), ids(wal.listCheckpoints()));
            assertEquals("c5", wal.loadLatestCheckpoint().orElseThrow().idText());
        }
    }

    private static List<String> ids(final List<Checkpoint> checkpoints)
    {
        return checkpoints.stream().map(Checkpoint::idText).toList();
    }

    /** Runs {@code chattr flag file}; returns null on success, else why it failed. */
    private static String chattr(final String flag, final Path file) throws IOException, InterruptedException
    {
        final Process process;
        try
        {
            process = new ProcessBuilder("chattr", flag, file.toString()).redirectErrorStream(true).start();
        }
        catch (final IOException e)
        {
            return "chattr is not available (" + e.getMessage() + ")";
        }
        final String output = new String(process.getInputStream().readAllBytes()).strip();
        return process.waitFor() == 0 ? null : "chattr " + flag + " exited " + process.exitValue() + ": " + output;
    }
}
