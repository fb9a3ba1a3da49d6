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
