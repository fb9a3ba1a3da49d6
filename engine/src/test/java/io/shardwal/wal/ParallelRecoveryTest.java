package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.shardwal.mmap.ShardwalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recovery of several shards at once: the same outcome on any number of threads, refusals first, progress shown. */
class ParallelRecoveryTest
{
    private static final int SHARDS = 4;
    private static final long SEGMENT = 8192;

    @TempDir
    Path dir;

    private static WalOptions.Builder options(final Path log)
    {
        return WalOptions.builder(log).shardCount(SHARDS).segmentSize(SEGMENT).syncMode(SyncMode.ASYNC)
            .prepareAhead(0);
    }

    /** A key that routes to {@code shard}, the {@code n}-th such key. */
    private static byte[] keyOf(final ShardedWal wal, final int shard, final int n)
    {
        int found = 0;
        for (int i = 0; ; i++)
        {
            final byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
            if (wal.shardFor(key) == shard && found++ == n)
            {
                return key;
            }
        }
    }

    /** Appends {@code records} records of 200-byte values to {@code shard}; returns the address of the last. */
    private static long appendTo(final ShardedWal wal, final int shard, final int records)
    {
        long last = -1;
        for (int i = 0; i < records; i++)
        {
            final byte[] value = new byte[200];
            Arrays.fill(value, (byte)(shard * 31 + i));
            last = wal.append(keyOf(wal, shard, i % 7), value);
        }
        return last;
    }

    @Test
    void shouldRecoverTheSameOnOneThreadAsOnOnePerShard() throws IOException
    {
        final Path log = dir.resolve("log");
        final Path image = dir.resolve("image");
        final List<Long> dead = new ArrayList<>();
        final long damaged;
        try (ShardedWal wal = ShardedWal.open(options(log).build());
             WalClaim first = new WalClaim(); WalClaim second = new WalClaim())
        {
            for (int shard = 0; shard < SHARDS; shard++)
            {
                appendTo(wal, shard, 40 + 30 * shard);
            }
            // Writers killed between claim and commit in shards 0 and 2, and a record damaged in shard 1 (below)
            dead.add(wal.tryClaim(keyOf(wal, 0, 0), 50, first));
            dead.add(wal.tryClaim(keyOf(wal, 2, 0), 70, second));
            damaged = RecordAddress.position(appendTo(wal, 1, 5));
            for (int shard = 0; shard < 3; shard++)
            {
                appendTo(wal, shard, 3); // other writers went on past the claims and the damaged record
            }
            CrashImages.copy(log, image);
        }
        CrashImages.flipBit(CrashImages.segmentFile(image, 1, damaged - damaged % SEGMENT),
            CrashImages.fileOffset(damaged, SEGMENT) + 20, 3);
        final Path one = CrashImages.copy(image, dir.resolve("one"));
        final Path many = CrashImages.copy(image, dir.resolve("many"));

        try (ShardedWal onOne = ShardedWal.open(options(one).recoveryThreads(1).build());
             ShardedWal onMany = ShardedWal.open(options(many).recoveryThreads(SHARDS).build()))
        {
            final RecoveryReport a = onOne.recoveryReport();
            final RecoveryReport b = onMany.recoveryReport();
            assertEquals(3, a.repairs().size(), a.summary());
            assertEquals(describe(one, a), describe(many, b));
            assertEquals(a.shards(), b.shards());
            for (final long address : dead)
            {
                assertTrue(b.repairs().stream().anyMatch(r -> r.shard() == RecordAddress.shard(address)
                    && r.position() == RecordAddress.position(address) && r.kind().equals("DEAD_CLAIM")), b.summary());
            }
            final Map<Long, Records.WalRecordCopy> readOne = Records.readAll(onOne);
            final Map<Long, Records.WalRecordCopy> readMany = Records.readAll(onMany);
            assertEquals(readOne.keySet(), readMany.keySet());
            assertFalse(readMany.containsKey(RecordAddress.of(1, damaged)), "the damaged record is not delivered");
        }
    }

    private static List<String> describe(final Path log, final RecoveryReport report)
    {
        return report.repairs().stream().map(r -> r.shard() + " " + r.position() + " " + r.bytes() + " " + r.kind()
            + " " + r.detail() + " " + log.relativize(r.file())).toList();
    }

    @Test
    void shouldRefuseABadCheckpointInOneShardBeforeRepairingAnyOther() throws IOException
    {
        final Path log = dir.resolve("log");
        final Path image = dir.resolve("image");
        final long deadClaim;
        final long checkpointed;
        try (ShardedWal wal = ShardedWal.open(options(log).build()); WalClaim claim = new WalClaim())
        {
            appendTo(wal, 0, 10);
            appendTo(wal, 3, 60); // shard 3 into its second segment
            checkpointed = wal.committedPosition(3);
            assertTrue(checkpointed > SEGMENT && checkpointed < 2 * SEGMENT, "checkpoint in the second segment");
            wal.createCheckpoint("c");
            appendTo(wal, 3, 60); // and on into its third
            assertTrue(wal.committedPosition(3) > 2 * SEGMENT);
            deadClaim = RecordAddress.position(wal.tryClaim(keyOf(wal, 0, 0), 50, claim));
            CrashImages.copy(log, image);
        }
        // Shard 3 loses its two oldest segments, the one holding the checkpoint among them
        Files.delete(CrashImages.segmentFile(image, 3, 0));
        Files.delete(CrashImages.segmentFile(image, 3, SEGMENT));
        final Path shard0 = CrashImages.segmentFile(image, 0, deadClaim - deadClaim % SEGMENT);
        final long claimOffset = CrashImages.fileOffset(deadClaim, SEGMENT);

        final ShardwalException e = assertThrows(ShardwalException.class, () -> ShardedWal.open(options(image)
            .recoveryThreads(SHARDS).build()));
        assertEquals(ShardwalException.Category.CORRUPT, e.category());
        assertTrue(e.getMessage().contains("shard 3 is missing segment"), e.getMessage());
        // Shard 0 comes before shard 3, yet its dead claim is still there to be seen: nothing was repaired
        final int word = ByteBuffer.wrap(CrashImages.read(shard0, claimOffset, 4)).order(ByteOrder.LITTLE_ENDIAN)
            .getInt();
        assertTrue(word < 0, "the dead claim's length word is still negative, not padding: " + word);
    }

    @Test
    void shouldLogTheProgressOfALongRecovery() throws IOException
    {
        final Path log = dir.resolve("log");
        try (ShardedWal wal = ShardedWal.open(options(log).build()))
        {
            for (int shard = 0; shard < SHARDS; shard++)
            {
                appendTo(wal, shard, 100);
            }
        }
        final List<String> quick = LoggedLines.during(() -> ShardedWal.open(options(log).build()).close());
        assertTrue(quick.stream().noneMatch(line -> line.startsWith("shardwal: recovering " + log)), quick.toString());

        final List<String> lines = LoggedLines.during(() -> ShardedWal.open(options(log).recoveryThreads(2)
            .progressInterval(Duration.ZERO).build()).close());
        final List<String> progress = lines.stream().filter(line -> line.startsWith("shardwal: recovering " + log)
            || line.startsWith("shardwal: recovered " + log)).toList();
        assertTrue(progress.size() >= SHARDS * 2, "a line after every segment: " + lines);
        assertTrue(progress.getFirst().startsWith("shardwal: recovering " + log + ": "), progress.getFirst());
        assertTrue(progress.getFirst().contains(" MB scanned ("), progress.getFirst());
        assertTrue(progress.getFirst().contains(", 2 threads, "), progress.getFirst());
        final String last = progress.getLast();
        assertTrue(last.startsWith("shardwal: recovered " + log + ": "), last);
        assertTrue(last.contains("(100 %), 4 of 4 shards done"), last);
    }
}
