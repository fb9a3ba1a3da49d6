package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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

    @Test
    void shouldLogTheProgressOfALongReplayAndNothingForAShortOne() throws java.io.IOException
    {
        final WalOptions options = WalOptions.builder(dir).shardCount(2).segmentSize(1 << 16)
            .syncMode(SyncMode.ASYNC).progressInterval(Duration.ZERO).build();
        try (ShardedWal wal = ShardedWal.open(options))
        {
            for (int i = 0; i < 5000; i++)
            {
                wal.append(("k" + i).getBytes(), new byte[16]);
            }
            final long[] records = new long[1];
            final List<String> lines = LoggedLines.during(() -> records[0] = wal.replay(record -> { }, 2));
            assertEquals(5000, records[0]);
            final List<String> progress = lines.stream().filter(line -> line.startsWith("shardwal: replay")).toList();
            assertTrue(progress.size() >= 3, "a line per poll and a closing one: " + lines);
            assertTrue(progress.getFirst().startsWith("shardwal: replaying " + dir + ": "), progress.getFirst());
            assertTrue(progress.getFirst().contains(" MB read ("), progress.getFirst());
            assertTrue(progress.getLast().startsWith("shardwal: replayed " + dir + ": "), progress.getLast());
            assertTrue(progress.getLast().contains("(100 %), 2 of 2 shards done, 2 threads"), progress.getLast());
        }
        try (ShardedWal wal = ShardedWal.open(options.toBuilder().progressInterval(Duration.ofMinutes(1)).build()))
        {
            final List<String> lines = LoggedLines.during(() -> wal.replay(record -> { }, 2));
            assertTrue(lines.stream().noneMatch(line -> line.startsWith("shardwal: replay")), lines.toString());
        }
    }

    @Test
    void shouldReplayRangesOfEveryShardAsIterShardReadsThem()
    {
        try (ShardedWal wal = open())
        {
            for (int i = 0; i < 200; i++)
            {
                wal.append(("k" + i).getBytes(), new byte[16 + i % 40]);
            }
            final long[] from = new long[2];
            final long[] to = new long[2];
            final List<Long> expected = new ArrayList<>();
            for (int shard = 0; shard < 2; shard++)
            {
                final List<Long> positions = new ArrayList<>();
                wal.iterShard(shard, 0, wal.committedPosition(shard), record -> positions.add(record.address()));
                from[shard] = RecordAddress.position(positions.get(10));
                to[shard] = RecordAddress.position(positions.get(positions.size() - 10));
                expected.addAll(positions.subList(10, positions.size() - 10));
            }
            final List<Long> read = java.util.Collections.synchronizedList(new ArrayList<>());
            assertEquals(expected.size(), wal.replay(from, to, record -> read.add(record.address()), 2));
            assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(read));

            assertMessage(assertThrows(IllegalArgumentException.class, () -> wal.replay(new long[1], new long[1],
                record -> { }, 1)), "needs 2 starts and 2 ends, not 1 and 1");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> wal.replay(new long[] {0, 16},
                new long[] {0, 8}, record -> { }, 1)), "shard 1", "[16, 8)");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> wal.replay(new long[] {12, 0},
                new long[] {100, 100}, record -> { }, 1)), "shard 0", "12");
            assertThrows(NullPointerException.class, () -> wal.replay(null, to, record -> { }, 1));
        }
    }

    @Test
    void shouldStopReplayingEveryShardOnceTheHandlerFailedInOne()
    {
        try (ShardedWal wal = open())
        {
            for (int i = 0; i < 100; i++)
            {
                wal.append(("k" + i).getBytes(), new byte[16]);
            }
            assertTrue(wal.committedPosition(0) > 0 && wal.committedPosition(1) > 0);
            final RuntimeException failure = new IllegalStateException("handler failed");
            final List<Integer> shardsAfterFailure = new ArrayList<>();
            final boolean[] failed = new boolean[1];
            // One thread replays shard 0, then shard 1: the failure in shard 0 must end the replay.
            assertSame(failure, assertThrows(RuntimeException.class, () -> wal.replay(record ->
            {
                if (failed[0])
                {
                    shardsAfterFailure.add(record.shard());
                }
                if (record.shard() == 0)
                {
                    failed[0] = true;
                    throw failure;
                }
            }, 1)));
            assertEquals(List.of(), shardsAfterFailure, "no record is handed to the handler after it failed");
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
