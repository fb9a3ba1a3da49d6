package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a batch that fails in part leaves in the log and tells its caller. */
class WalBatchTest
{
    private static final int SEGMENT_SIZE = 1 << 16;

    @TempDir
    Path dir;

    private ShardedWal open(final SyncMode mode)
    {
        return ShardedWal.open(WalOptions.builder(dir).shardCount(2).segmentSize(SEGMENT_SIZE).syncMode(mode)
            .build());
    }

    /** A batch whose part for shard 0 fits a segment and whose part for shard 1 never can. */
    private static WalBatch halfTooLarge(final ShardedWal wal)
    {
        final WalBatch batch = wal.newBatch().add(keyFor(wal, 0), new byte[] {1});
        for (int i = 0; i < 3; i++)
        {
            batch.add(keyFor(wal, 1), new byte[SEGMENT_SIZE / 3]);
        }
        return batch;
    }

    @Test
    void shouldMakeTheCommittedPartsOfAFailedStrictBatchDurableBeforeSayingSo()
    {
        try (ShardedWal wal = open(SyncMode.STRICT))
        {
            final WalBatch batch = halfTooLarge(wal);
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> wal.appendBatch(batch));
            assertTrue(e.getMessage().contains("parts for shards [0] are committed"), e.getMessage());
            assertTrue(batch.isAppended(0));
            assertTrue(wal.durablePosition(0) > RecordAddress.position(batch.address(0)),
                "STRICT: a part reported as appended is durable, as it would be had the whole batch succeeded");
        }
    }

    @Test
    void shouldRetryOnlyThePartsOfABatchThatWereNotAppended()
    {
        try (ShardedWal wal = open(SyncMode.ASYNC))
        {
            final WalBatch batch = halfTooLarge(wal);
            assertThrows(IllegalArgumentException.class, () -> wal.appendBatch(batch));
            final long first = batch.address(0);
            final IllegalArgumentException again = assertThrows(IllegalArgumentException.class,
                () -> wal.appendBatch(batch));
            assertTrue(again.getMessage().contains("shard 1"), again.getMessage());
            assertEquals(List.of(first), addresses(wal, 0), "the part for shard 0 is in the log once");
            assertEquals(first, batch.address(0));
            assertFalse(batch.isAppended(1));
        }
    }

    @Test
    void shouldRefuseToAppendABatchAgainUntilItIsCleared()
    {
        try (ShardedWal wal = open(SyncMode.ASYNC))
        {
            final WalBatch batch = wal.newBatch().add(keyFor(wal, 0), new byte[] {1}).add(keyFor(wal, 1), new byte[2]);
            wal.appendBatch(batch);
            final IllegalStateException e = assertThrows(IllegalStateException.class, () -> wal.appendBatch(batch));
            assertTrue(e.getMessage().contains("clear()"), e.getMessage());
            assertEquals(List.of(batch.address(0)), addresses(wal, 0));
            assertEquals(List.of(batch.address(1)), addresses(wal, 1));

            batch.clear().add(keyFor(wal, 0), new byte[] {3});
            wal.appendBatch(batch);
            assertEquals(2, addresses(wal, 0).size());
        }
    }

    private static List<Long> addresses(final ShardedWal wal, final int shard)
    {
        final List<Long> addresses = new ArrayList<>();
        wal.iterShard(shard, 0, Long.MAX_VALUE, record -> addresses.add(record.address()));
        return addresses;
    }

    private static byte[] keyFor(final ShardedWal wal, final int shard)
    {
        for (int i = 0; ; i++)
        {
            final byte[] key = ("batch-key-" + i).getBytes();
            if (wal.shardFor(key) == shard)
            {
                return key;
            }
        }
    }
}
