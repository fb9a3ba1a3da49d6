package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import io.shardwal.metrics.LatencyRecording;
import io.shardwal.metrics.ShardMetrics;
import io.shardwal.metrics.ShardStats;
import io.shardwal.metrics.WalStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatsTest
{
    @TempDir
    Path dir;

    private static WalStats write(final ShardedWal wal, final int records)
    {
        for (int i = 0; i < records; i++)
        {
            wal.append(Records.key(0, i, 1000), new byte[100]);
        }
        return wal.stats();
    }

    @Test
    void shouldCountEveryRecordAndByteExactlyPerShardAndOverAll()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(4).segmentSize(16384)
            .syncMode(SyncMode.ASYNC).build()))
        {
            final WalStats stats = write(wal, 1000);
            assertEquals(1000, stats.records());
            long keyBytes = 0;
            for (int i = 0; i < 1000; i++)
            {
                keyBytes += Records.key(0, i, 1000).length;
            }
            assertEquals(keyBytes + 1000 * 100, stats.payloadBytes());
            for (final ShardStats shard : stats.shards())
            {
                assertTrue(shard.records() > 150 && shard.records() < 350, "jump routing spreads keys: " + shard);
                assertEquals(wal.committedPosition(shard.shard()), shard.committedPosition());
                assertTrue(shard.segmentCount() >= 2);
            }
            assertTrue(stats.rolls() >= 4, "every shard rolled at least once (30 KiB into 16 KiB segments): "
                + stats.rolls());
            assertTrue(stats.recordSkew() >= 1.0 && stats.recordSkew() < 1.4, "skew " + stats.recordSkew());
            final long sampled = stats.appendLatency().count();
            assertTrue(sampled == 1000 / ShardMetrics.SAMPLE_INTERVAL || sampled == 1000 / ShardMetrics.SAMPLE_INTERVAL
                + 1, "the default SAMPLED times one append in SAMPLE_INTERVAL per thread: " + sampled);
            assertTrue(stats.appendLatency().p50() > 0 && stats.appendLatency().p50() <= stats.appendLatency().p999());
            wal.sync();
            final WalStats synced = wal.stats();
            assertEquals(0, synced.syncLag());
            assertTrue(synced.msyncs() >= 4 && synced.msyncLatency().count() == synced.msyncs());
            assertEquals(1000, wal.stats().records(), "a second snapshot counts nothing twice");
        }
    }

    @Test
    void shouldTimeEveryAppendWhenFull()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir.resolve("full")).shardCount(2)
            .syncMode(SyncMode.ASYNC).latencyRecording(LatencyRecording.FULL).build()))
        {
            assertEquals(300, write(wal, 300).appendLatency().count());
        }
    }

    @Test
    void shouldRecordNoLatencyWithCountersOnlyAndNoHistogramAtAllWhenOff()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir.resolve("a")).shardCount(2)
            .syncMode(SyncMode.STRICT).latencyRecording(LatencyRecording.COUNTERS_ONLY).build()))
        {
            final WalStats stats = write(wal, 20);
            assertEquals(20, stats.records());
            assertEquals(0, stats.appendLatency().count());
            assertTrue(stats.msyncLatency().count() > 0, "msyncs are still timed");
        }
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir.resolve("b")).shardCount(2)
            .syncMode(SyncMode.STRICT).latencyRecording(LatencyRecording.OFF).build()))
        {
            final WalStats stats = write(wal, 20);
            assertEquals(20, stats.records());
            assertTrue(stats.msyncs() > 0);
            assertEquals(0, stats.appendLatency().count() + stats.msyncLatency().count());
        }
    }
}
