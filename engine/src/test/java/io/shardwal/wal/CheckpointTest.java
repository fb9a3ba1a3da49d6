package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.checkpoint.CheckpointDescriptor;
import io.shardwal.checkpoint.CheckpointLog;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.ShardwalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints as consistent cuts, recovery from them, replay between them, pruning and their failure modes. */
class CheckpointTest
{
    private static final long SEGMENT = 8192;

    @TempDir
    Path dir;

    private WalOptions.Builder options()
    {
        return WalOptions.builder(dir.resolve("log")).shardCount(3).segmentSize(SEGMENT).syncMode(SyncMode.ASYNC)
            .syncInterval(Duration.ofHours(1));
    }

    private static List<Records.Ack> append(final ShardedWal wal, final int writer, final int from, final int count)
    {
        final List<Records.Ack> acks = new ArrayList<>();
        for (int i = from; i < from + count; i++)
        {
            final byte[] key = Records.key(writer, i, 40);
            final byte[] value = Records.value(writer, i, 100);
            acks.add(new Records.Ack(wal.append(key, value), key, value));
        }
        return acks;
    }

    private static long end(final Records.Ack ack)
    {
        return RecordAddress.position(ack.address()) + FrameDescriptor.align(
            (int)FrameDescriptor.dataFrameLength(ack.key().length, ack.value().length));
    }

    @Test
    void shouldCoverEveryReturnedAppendAndMakeItDurableInEveryMode()
    {
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            final List<Records.Ack> before = append(wal, 0, 0, 200);
            final Checkpoint checkpoint = wal.createCheckpoint("first");
            for (final Records.Ack ack : before)
            {
                assertTrue(checkpoint.position(RecordAddress.shard(ack.address())) >= end(ack),
                    "every append that returned before the checkpoint is at or below it");
            }
            for (int shard = 0; shard < 3; shard++)
            {
                assertTrue(wal.durablePosition(shard) >= checkpoint.position(shard), "msynced up to the checkpoint");
            }
            append(wal, 0, 200, 50);
            final Checkpoint second = wal.createCheckpoint("second");
            for (int shard = 0; shard < 3; shard++)
            {
                assertTrue(second.position(shard) >= checkpoint.position(shard), "positions never go backwards");
            }
            assertEquals(2, wal.checkpointCount());
            assertEquals(List.of(checkpoint, second), wal.listCheckpoints());
            assertEquals(second, wal.loadLatestCheckpoint().orElseThrow());
            assertEquals(checkpoint, wal.loadCheckpoint("first"));
            assertTrue(second.timestampNanos() >= checkpoint.timestampNanos());
        }
    }

    @Test
    void shouldReplayFromACheckpointAndBetweenTwoExactlyTheRecordsWrittenThere()
    {
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            append(wal, 0, 0, 100);
            wal.createCheckpoint("a");
            final List<Records.Ack> between = append(wal, 1, 0, 120);
            wal.createCheckpoint("b");
            final List<Records.Ack> after = append(wal, 2, 0, 30);

            final List<Long> replayed = new ArrayList<>();
            assertEquals(150, wal.replayFrom("a".getBytes(), record -> replayed.add(record.address())));
            final List<Long> expected = new ArrayList<>();
            between.forEach(ack -> expected.add(ack.address()));
            after.forEach(ack -> expected.add(ack.address()));
            assertEquals(expected.stream().sorted().toList(), replayed.stream().sorted().toList());

            final List<Long> range = new ArrayList<>();
            for (int shard = 0; shard < 3; shard++)
            {
                wal.iterShard(shard, "a".getBytes(), "b".getBytes(), record -> range.add(record.address()));
            }
            assertEquals(between.stream().map(Records.Ack::address).sorted().toList(), range.stream().sorted().toList());
            final IllegalArgumentException backwards = assertThrows(IllegalArgumentException.class,
                () -> wal.iterShard(0, "b".getBytes(), "a".getBytes(), r -> { }));
            assertTrue(backwards.getMessage().contains("lies after"), backwards.getMessage());
            assertEquals(ShardwalException.Category.NOT_FOUND,
                assertThrows(ShardwalException.class, () -> wal.replayFrom("zzz".getBytes(), r -> { })).category());
        }
    }

    @Test
    void shouldRecoverOnlyFromTheLatestCheckpoint()
    {
        final Checkpoint checkpoint;
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            append(wal, 0, 0, 500);
            checkpoint = wal.createCheckpoint("here");
            append(wal, 0, 500, 20);
        }
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            for (final RecoveryReport.ShardRecovery shard : wal.recoveryReport().shards())
            {
                assertEquals(checkpoint.position(shard.shard()), shard.scannedFrom(), "shard " + shard.shard());
            }
            final long scanned = wal.recoveryReport().shards().stream().mapToLong(RecoveryReport.ShardRecovery::records)
                .sum();
            assertEquals(20, scanned, "only what was written after the checkpoint is scanned");
        }
    }

    @Test
    void shouldPruneWholeSegmentsBelowACheckpointAndNameThemWhenATailerAsks()
    {
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            final List<Records.Ack> old = append(wal, 0, 0, 600);
            final Tailer reading = wal.tailer(0, 0);
            reading.poll(r -> { }, 3);
            final Checkpoint checkpoint = wal.createCheckpoint("prune-here");
            final List<Records.Ack> young = append(wal, 0, 600, 100);
            final List<List<Long>> before = new ArrayList<>();
            for (int shard = 0; shard < 3; shard++)
            {
                before.add(wal.segments(shard).bases());
            }
            final PruneResult pruned = wal.pruneBefore("prune-here".getBytes());
            assertTrue(pruned.segments() > 3, "several segments were pruned: " + pruned);
            int deleted = 0;
            for (int shard = 0; shard < 3; shard++)
            {
                final List<Long> after = wal.segments(shard).bases();
                for (final long base : before.get(shard))
                {
                    if (!after.contains(base))
                    {
                        deleted++;
                        assertTrue(base + SEGMENT <= checkpoint.position(shard), "only segments wholly below the "
                            + "checkpoint are deleted: shard " + shard + " base " + base);
                    }
                }
            }
            assertEquals(pruned.segments(), deleted, "the result counts exactly the files deleted");
            for (int shard = 0; shard < 3; shard++)
            {
                assertTrue(wal.firstPosition(shard) <= checkpoint.position(shard));
                assertTrue(wal.firstPosition(shard) > checkpoint.position(shard) - SEGMENT);
            }
            final List<Long> followed = new ArrayList<>();
            reading.poll(r -> followed.add(r.address()), 1_000_000);
            final long shard0 = old.stream().filter(a -> RecordAddress.shard(a.address()) == 0).count()
                + young.stream().filter(a -> RecordAddress.shard(a.address()) == 0).count();
            assertEquals(shard0 - 3, followed.size(), "a tailer inside a pruned segment keeps its mapping, finishes "
                + "the segment and moves on to the rest of the shard");
            reading.close();
            try (Tailer late = wal.tailer(0, 0))
            {
                final ShardwalException pruneError = assertThrows(ShardwalException.class, () -> late.poll(r -> { }, 1));
                assertEquals(ShardwalException.Category.PRUNED, pruneError.category());
                assertTrue(pruneError.getMessage().contains("shard 0"), pruneError.getMessage());
                assertTrue(pruneError.getMessage().contains("oldest segment starts at " + wal.firstPosition(0)),
                    pruneError.getMessage());
            }
            final Map<Long, Records.WalRecordCopy> left = Records.readAll(wal);
            Records.assertAllPresent(young, left);
            for (final Records.Ack ack : old)
            {
                if (RecordAddress.position(ack.address()) >= wal.firstPosition(RecordAddress.shard(ack.address())))
                {
                    assertTrue(left.containsKey(ack.address()), "records above the pruned segments stay");
                }
            }
            assertEquals(0, wal.pruneBefore("prune-here".getBytes()).segments(), "pruning again deletes nothing");
        }
    }

    /**
     * Pruning on an interrupted thread: the files were deleted, then the directory sync's FileChannel refused the
     * interrupted thread and the prune reported IO for what it had done. It now prunes and keeps the interrupt.
     */
    @Test
    void shouldPruneOnAnInterruptedThreadAndKeepItsInterrupt()
    {
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            append(wal, 0, 0, 600);
            final Checkpoint checkpoint = wal.createCheckpoint("prune-here");
            final PruneResult pruned;
            Thread.currentThread().interrupt();
            try
            {
                pruned = wal.pruneBefore("prune-here".getBytes());
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept");
            }
            finally
            {
                Thread.interrupted();
            }
            assertTrue(pruned.segments() > 3, "several segments were pruned: " + pruned);
            for (int shard = 0; shard < 3; shard++)
            {
                assertTrue(wal.firstPosition(shard) > checkpoint.position(shard) - SEGMENT);
            }
        }
    }

    /**
     * Creating a checkpoint on an interrupted thread wrote nothing (the log's channel refused the write) and closed
     * that channel, so every later checkpoint of the log failed too. It now creates it and keeps the interrupt.
     */
    @Test
    void shouldCreateACheckpointOnAnInterruptedThreadAndKeepItsInterrupt() throws IOException
    {
        final WalOptions options = options().build();
        try (ShardedWal wal = ShardedWal.open(options))
        {
            append(wal, 0, 0, 100);
            Thread.currentThread().interrupt();
            try
            {
                wal.createCheckpoint("interrupted");
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept");
            }
            finally
            {
                Thread.interrupted();
            }
            append(wal, 0, 100, 10);
            wal.createCheckpoint("later");
        }
        try (ShardedWal reopened = ShardedWal.open(options))
        {
            assertEquals(List.of("interrupted", "later"),
                reopened.listCheckpoints().stream().map(Checkpoint::idText).toList());
            assertArrayEquals("later".getBytes(), CheckpointLog.readHead(dir.resolve("log")).id());
        }
    }

    @Test
    void shouldRefuseToReplayFromACheckpointWhoseRecordsWerePruned()
    {
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            append(wal, 0, 0, 20);
            wal.createCheckpoint("old");
            append(wal, 0, 20, 600);
            wal.createCheckpoint("new");
            append(wal, 0, 620, 10);
            assertTrue(wal.pruneBefore("new".getBytes()).segments() > 0);
            final Checkpoint old = wal.loadCheckpoint("old");
            int prunedShard = -1;
            for (int shard = 2; shard >= 0; shard--)
            {
                prunedShard = old.position(shard) < wal.firstPosition(shard) ? shard : prunedShard;
            }
            assertTrue(prunedShard >= 0, "the prune removed records above checkpoint old");
            // prunedShard is the first such shard: the one the replay names
            final int shard = prunedShard;
            final ShardwalException replay = assertThrows(ShardwalException.class,
                () -> wal.replayFrom("old".getBytes(), r -> { }), "a replay that cannot start at its checkpoint "
                    + "would silently miss the pruned records");
            assertEquals(ShardwalException.Category.PRUNED, replay.category());
            assertTrue(replay.getMessage().contains("old") && replay.getMessage().contains("shard " + shard),
                replay.getMessage());
            final ShardwalException range = assertThrows(ShardwalException.class,
                () -> wal.iterShard(shard, "old".getBytes(), "new".getBytes(), r -> { }));
            assertEquals(ShardwalException.Category.PRUNED, range.category());
            assertTrue(wal.replayFrom("new".getBytes(), r -> { }) >= 10, "a checkpoint above the pruned segments "
                + "still replays");
        }
    }

    @Test
    void shouldTellAReadOnlyTailerThatItsNextSegmentWasPruned()
    {
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            append(wal, 0, 0, 600);
            wal.createCheckpoint("c");
            append(wal, 0, 600, 10);
            try (ShardedWal reader = ShardedWal.openReadOnly(dir.resolve("log"));
                Tailer tailer = reader.tailer(0, 0))
            {
                assertTrue(wal.pruneBefore("c".getBytes()).segments() > 0);
                final ShardwalException pruned = assertThrows(ShardwalException.class,
                    () -> tailer.poll(r -> { }, 10));
                assertEquals(ShardwalException.Category.PRUNED, pruned.category(), pruned.getMessage());
                assertTrue(pruned.getMessage().contains("shard 0"), pruned.getMessage());
            }
        }
    }

    @Test
    void shouldTimeOutNamingTheShardWhenAClaimBeforeTheCheckpointNeverCommits()
    {
        try (ShardedWal wal = ShardedWal.open(options().commitWaitTimeout(Duration.ofMillis(200)).build());
            WalClaim claim = new WalClaim())
        {
            append(wal, 0, 0, 10);
            final long stuck = wal.tryClaim("stuck".getBytes(), 8, claim);
            final ShardwalException timeout = assertThrows(ShardwalException.class,
                () -> wal.createCheckpoint("never"));
            assertEquals(ShardwalException.Category.TIMEOUT, timeout.category());
            assertTrue(timeout.getMessage().contains("shard " + RecordAddress.shard(stuck)), timeout.getMessage());
            assertTrue(timeout.getMessage().contains("position " + RecordAddress.position(stuck)), timeout.getMessage());
            claim.abort();
            assertEquals(0, wal.checkpointCount());
            wal.createCheckpoint("never");
        }
    }

    @Test
    void shouldOpenWithDataIntactWhenTheCheckpointLogIsGarbage() throws IOException
    {
        final List<Records.Ack> acks;
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            acks = append(wal, 0, 0, 100);
            wal.createCheckpoint("c");
        }
        Files.write(dir.resolve("log").resolve(CheckpointLog.FILE_NAME), "not a checkpoint log at all".getBytes());
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            assertTrue(wal.recoveryReport().repairs().stream()
                .anyMatch(r -> r.shard() == RecoveryReport.CHECKPOINT_LOG && r.kind().equals("TORN_TAIL")),
                wal.recoveryReport().summary());
            assertEquals(0, wal.checkpointCount());
            Records.assertAllPresent(acks, Records.readAll(wal));
            wal.createCheckpoint("rebuilt");
        }
    }

    @Test
    void shouldNameAShardThatTheCheckpointNeedsButIsMissing() throws IOException
    {
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            append(wal, 0, 0, 200);
            wal.createCheckpoint("c");
        }
        final Path shard = ShardedWal.shardDirectory(dir.resolve("log"), 2);
        try (var files = Files.list(shard))
        {
            for (final Path file : files.toList())
            {
                Files.delete(file);
            }
        }
        Files.delete(shard);
        final ShardwalException e = assertThrows(ShardwalException.class, () -> ShardedWal.open(options().build()));
        assertEquals(ShardwalException.Category.NOT_FOUND, e.category());
        assertTrue(e.getMessage().contains("shard 2 has no segment files"), e.getMessage());
    }

    @Test
    void shouldRefuseALatestCheckpointThatPutsAShardPastItsDataOrOffAFrameBoundary() throws IOException
    {
        final List<Records.Ack> acks;
        final Checkpoint checkpoint;
        try (ShardedWal wal = ShardedWal.open(options().prepareAhead(0).build()))
        {
            acks = append(wal, 0, 0, 30);
            checkpoint = wal.createCheckpoint("c");
        }
        final long end = checkpoint.position(0);
        assertTrue(end > 0 && end + 1024 < SEGMENT, "shard 0 ends inside its first segment: " + end);
        final Path log = dir.resolve("log").resolve(CheckpointLog.FILE_NAME);
        final byte[] good = Files.readAllBytes(log);
        final Path segment = ShardedWal.shardDirectory(dir.resolve("log"), 0).resolve(ShardSegments.fileName(0));
        final byte[] data = Files.readAllBytes(segment);
        // past the end of the records, at the end of the (not full) segment, before the first position, off a frame;
        // after a clean stop (tail counters are trusted) and after an OS crash (they are not)
        for (int image = 0; image < 8; image++)
        {
            final long bad = new long[] {end + 512, SEGMENT, -8, end - 4}[image % 4];
            if (image >= 4)
            {
                CrashImages.markCrashed(dir.resolve("log"), false);
            }
            final long[] positions = checkpoint.positions();
            positions[0] = bad;
            final ByteBuffer entry = CheckpointDescriptor.encode("c".getBytes(),
                checkpoint.timestampNanos(), positions);
            Files.write(log, Arrays.copyOf(entry.array(), entry.remaining()));
            final ShardwalException e = assertThrows(ShardwalException.class, () -> ShardedWal.open(options().build()),
                "position " + bad);
            assertEquals(ShardwalException.Category.CORRUPT, e.category(), e.getMessage());
            assertTrue(e.getMessage().contains("checkpoint c") && e.getMessage().contains("shard 0")
                && e.getMessage().contains("position " + bad), e.getMessage());
            assertEquals(log, e.file(), e.getMessage());
            assertEquals(0, e.offset(), "the offset of the entry in " + CheckpointLog.FILE_NAME);
            assertArrayEquals(data, Files.readAllBytes(segment), "position " + bad + ": the records were not touched");
        }
        Files.write(log, good);
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            Records.assertAllPresent(acks, Records.readAll(wal));
        }
    }

    @Test
    void shouldRefuseInvalidAndDuplicateIdsAndReadOnlyCreation()
    {
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            wal.createCheckpoint("once");
            assertThrows(IllegalArgumentException.class, () -> wal.createCheckpoint("once"));
            assertThrows(IllegalArgumentException.class, () -> wal.createCheckpoint(new byte[0]));
            assertThrows(IllegalArgumentException.class, () -> wal.createCheckpoint(new byte[65_536]));
            assertThrows(IllegalArgumentException.class, () -> wal.compactCheckpoints(-1));
            try (ShardedWal reader = ShardedWal.openReadOnly(dir.resolve("log")))
            {
                assertEquals(1, reader.checkpointCount());
                assertThrows(IllegalStateException.class, () -> reader.createCheckpoint("no"));
                assertThrows(IllegalStateException.class, () -> reader.pruneBefore("once".getBytes()));
            }
        }
        assertFalse(Files.exists(dir.resolve("log").resolve("HEAD.tmp")));
    }
}
