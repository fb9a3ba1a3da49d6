package io.shardwal.metrics;

import java.time.Instant;
import java.util.List;

/**
 * One snapshot of a whole log: every shard's {@link ShardStats}, plus totals, latency over all shards and the
 * skew of records across shards. Rendered as Prometheus text and as JSON by the metrics package.
 *
 * @param directory     the log's directory.
 * @param syncMode      the log's sync mode (its name).
 * @param latency       how appends are timed (latency summaries are empty unless FULL).
 * @param appendLatency append latency over all shards (merged histograms, not averaged percentiles).
 * @param msyncLatency  msync latency over all shards.
 */
public record WalStats(Instant at, String directory, String syncMode, LatencyRecording latency,
    List<ShardStats> shards, LatencySummary appendLatency, LatencySummary msyncLatency)
{
    public WalStats
    {
        shards = List.copyOf(shards);
    }

    public long records()
    {
        return shards.stream().mapToLong(ShardStats::records).sum();
    }

    public long payloadBytes()
    {
        return shards.stream().mapToLong(ShardStats::payloadBytes).sum();
    }

    public long rolls()
    {
        return shards.stream().mapToLong(ShardStats::rolls).sum();
    }

    public long msyncs()
    {
        return shards.stream().mapToLong(ShardStats::msyncs).sum();
    }

    public long syncLag()
    {
        return shards.stream().mapToLong(ShardStats::syncLag).sum();
    }

    /** Bytes claimed but not yet committed, over all shards (see {@link ShardStats#inFlightBytes()}). */
    public long inFlightBytes()
    {
        return shards.stream().mapToLong(ShardStats::inFlightBytes).sum();
    }

    /**
     * How unevenly records are spread: the busiest shard's records over the mean (1.0 is perfectly even; 0 when
     * there are no records).
     */
    public double recordSkew()
    {
        final long total = records();
        if (total == 0)
        {
            return 0;
        }
        final long max = shards.stream().mapToLong(ShardStats::records).max().orElse(0);
        return max / ((double)total / shards.size());
    }
}
