package io.shardwal.metrics;

import java.time.Instant;
import java.util.List;

/** Hand-made snapshots with distinct values everywhere, so a rendering that mixes two fields up is caught. */
final class SampleStats
{
    private SampleStats()
    {
    }

    /** A directory name with every character label values must escape. */
    static final String AWKWARD_DIRECTORY = "/data/wal \"prod\"\\east\nsecond line";

    static WalStats writer()
    {
        return new WalStats(Instant.parse("2026-01-02T03:04:05.123456789Z"), AWKWARD_DIRECTORY, "ASYNC",
            LatencyRecording.FULL, List.of(shard(0, 1), shard(1, 2)),
            new LatencySummary(3000, 1500, 2500, 9000, 41_000, 2_000_000, 1234.5, 3_703_507),
            new LatencySummary(40, 100_000, 200_000, 3_000_000, 3_500_000, 4_000_000, 250_000.25, 10_000_017));
    }

    /** A read-only view: durable positions unknown (-1), no latency. */
    static WalStats readOnly()
    {
        return new WalStats(Instant.parse("2026-01-02T03:04:05Z"), "/data/wal", "unknown", LatencyRecording.OFF,
            List.of(new ShardStats(0, 10, 1000, 4096, 4160, -1, 2, 0, 0, 0, 0, 0, 0, 0, 0, LatencySummary.EMPTY,
                LatencySummary.EMPTY, LatencySummary.EMPTY)), LatencySummary.EMPTY, LatencySummary.EMPTY);
    }

    static ShardStats shard(final int shard, final long k)
    {
        return new ShardStats(shard, 1000 * k + 1, 64_000 * k + 2, 100_000 * k + 8, 100_000 * k + 8 + 24 * k,
            90_000 * k + 16, (int)(3 * k), 5 * k, 6 * k, 7 * k, 8 * k, 9 * k, 10 * k, 12 * k, 11 * k,
            new LatencySummary(1000 * k, 300 * k, 600 * k, 1200 * k, 5000 * k, 10_000 * k, 450.5 * k,
                450_500 * k * k + 7),
            new LatencySummary(20 * k, 50_000 * k, 80_000 * k, 1_000_000 * k, 1_500_000 * k, 2_000_000 * k, 70_000,
                1_400_000 * k + 7),
            k == 1 ? LatencySummary.EMPTY : new LatencySummary(2, 1_000_000, 2_000_000, 2_000_000, 2_000_000,
                2_000_000, 1_500_000, 3_000_007));
    }
}
