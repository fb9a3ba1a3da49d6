package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad arguments to the bounded reads: each a clear error naming the shard and the position. */
class WalReadsTest
{
    @TempDir
    Path dir;

    private ShardedWal open()
    {
        return ShardedWal.open(WalOptions.builder(dir).shardCount(2).segmentSize(1 << 16).syncMode(SyncMode.ASYNC)
            .build());
    }

    @Test
    void shouldRefuseReversedNegativeAndUnalignedRangesNamingShardAndPosition()
    {
        try (ShardedWal wal = open())
        {
            for (int i = 0; i < 10; i++)
            {
                wal.append(("k" + i).getBytes(), new byte[16]);
            }
            final long end = wal.committedPosition(1);
            assertTrue(end > 0);
            assertMessage(assertThrows(IllegalArgumentException.class,
                () -> wal.iterShard(1, end, 8, record -> { })), "shard 1", "[" + end + ", 8)");
            assertMessage(assertThrows(IllegalArgumentException.class,
                () -> wal.iterShard(1, -8, end, record -> { })), "shard 1", "-8");
            assertMessage(assertThrows(IllegalArgumentException.class,
                () -> wal.iterShard(1, 12, end, record -> { })), "shard 1", "12");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> wal.tailer(1, -8)), "shard 1", "-8");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> wal.tailer(1, 3)), "shard 1", "3");
            assertEquals(0, wal.iterShard(1, end, end, record -> { }), "an empty range is no error");
        }
    }

    private static void assertMessage(final IllegalArgumentException e, final String... parts)
    {
        for (final String part : parts)
        {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
    }
}
