package io.shardwal.metrics;

import java.math.BigDecimal;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Renders a {@link WalStats} snapshot in the Prometheus text exposition format, version 0.0.4
 * ({@code Content-Type: text/plain; version=0.0.4}), ready to be served on a {@code /metrics} endpoint or written
 * to a node-exporter textfile.
 *
 * <p>Every family has {@code # HELP} and {@code # TYPE}; names carry their unit ({@code _bytes}, {@code _seconds})
 * and counters end in {@code _total}. Per-shard samples have a {@code shard} label; latency is a {@code summary}
 * with {@code quantile} labels 0.5, 0.9, 0.99, 0.999 and 1 (the maximum), plus {@code _sum} and {@code _count}.
 * Quantiles of an empty summary are {@code NaN}, as client libraries write them. The whole-log latency (merged
 * histograms, not averaged percentiles) is in the {@code shardwal_log_*} families, so that summing the per-shard
 * families never counts anything twice. Durable positions and sync lag are only known to the writing process: a
 * read-only snapshot (durable position -1) leaves those samples out rather than exporting a made-up value.
 *
 * <p>Stateless and thread-safe.
 */
public final class PrometheusRenderer
{
    /** The {@code Content-Type} of what {@link #render} returns. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final String[] QUANTILES = {"0.5", "0.9", "0.99", "0.999", "1"};

    private PrometheusRenderer()
    {
    }

    /** The exposition of {@code stats}, lines ending in {@code \n}. */
    public static String render(final WalStats stats)
    {
        final StringBuilder out = new StringBuilder(8192);
        final List<ShardStats> shards = stats.shards();
        family(out, "shardwal_info", "gauge", "The log's settings as labels; the value is always 1.");
        out.append("shardwal_info{directory=\"").append(escapeLabel(stats.directory())).append("\",sync_mode=\"")
            .append(escapeLabel(stats.syncMode())).append("\",latency_recording=\"")
            .append(escapeLabel(stats.latency().name())).append("\"} 1\n");
        family(out, "shardwal_shards", "gauge", "Number of shards of the log.");
        out.append("shardwal_shards ").append(shards.size()).append('\n');

        perShard(out, shards, "shardwal_records_total", "counter",
            "DATA records committed since the writer opened the log (a read-only view: records in the files).",
            ShardStats::records);
        perShard(out, shards, "shardwal_payload_bytes_total", "counter",
            "Key and value bytes of those records.", ShardStats::payloadBytes);
        perShard(out, shards, "shardwal_committed_position_bytes", "gauge",
            "End of the contiguous committed prefix of the shard (a shard position).",
            ShardStats::committedPosition);
        perShard(out, shards, "shardwal_claimed_position_bytes", "gauge",
            "End of everything writers have claimed in the shard, committed or not (a shard position).",
            ShardStats::claimedPosition);
        perShard(out, shards, "shardwal_in_flight_bytes", "gauge",
            "Bytes claimed but not yet committed; non-zero and not shrinking means a claim that is never committed "
                + "holds the committed position back.", ShardStats::inFlightBytes);
        final boolean durableKnown = shards.stream().allMatch(shard -> shard.durablePosition() >= 0);
        if (durableKnown)
        {
            perShard(out, shards, "shardwal_durable_position_bytes", "gauge",
                "End of the prefix of the shard known to be msynced (a shard position).",
                ShardStats::durablePosition);
            perShard(out, shards, "shardwal_sync_lag_bytes", "gauge",
                "Bytes committed but not yet known to be durable.", ShardStats::syncLag);
        }
        perShard(out, shards, "shardwal_segments", "gauge",
            "Segment files of the shard, prepared ones included.", shard -> shard.segmentCount());
        perShard(out, shards, "shardwal_segment_rolls_total", "counter",
            "Moves of the writer to the next segment.", ShardStats::rolls);
        perShard(out, shards, "shardwal_inline_prepares_total", "counter",
            "Rolls that had to create the next segment on the appending thread.", ShardStats::inlinePrepares);
        perShard(out, shards, "shardwal_msyncs_total", "counter", "msync calls made.", ShardStats::msyncs);
        perShard(out, shards, "shardwal_msync_bytes_total", "counter", "Bytes covered by msync calls.",
            ShardStats::msyncBytes);
        perShard(out, shards, "shardwal_msync_failures_total", "counter",
            "msync calls that failed (the shard then refuses appends).", ShardStats::msyncFailures);
        perShard(out, shards, "shardwal_prepare_failures_total", "counter",
            "Failed attempts to prepare the next segment (e.g. disk full).", ShardStats::prepareFailures);
        perShard(out, shards, "shardwal_unblocked_claims_total", "counter",
            "Claims padded over after holding the committed position for the claim timeout (their commits failed).",
            ShardStats::unblockedClaims);
        perShard(out, shards, "shardwal_recovery_repairs_total", "counter",
            "Repairs made by the recovery that opened the log.", ShardStats::recoveryRepairs);

        family(out, "shardwal_append_latency_seconds", "summary",
            "Latency of an append, from call to return (sync mode included), since the log was opened.");
        for (final ShardStats shard : shards)
        {
            summary(out, "shardwal_append_latency_seconds", "shard=\"" + shard.shard() + "\",", shard.appendLatency());
        }
        family(out, "shardwal_msync_latency_seconds", "summary",
            "Latency of one msync call, since the log was opened.");
        for (final ShardStats shard : shards)
        {
            summary(out, "shardwal_msync_latency_seconds", "shard=\"" + shard.shard() + "\",", shard.msyncLatency());
        }
        family(out, "shardwal_roll_wait_seconds", "summary",
            "Time an appending thread waited for the next segment at a roll, since the log was opened.");
        for (final ShardStats shard : shards)
        {
            summary(out, "shardwal_roll_wait_seconds", "shard=\"" + shard.shard() + "\",", shard.rollWaitLatency());
        }
        family(out, "shardwal_log_append_latency_seconds", "summary",
            "Latency of an append over all shards (merged histograms), since the log was opened.");
        summary(out, "shardwal_log_append_latency_seconds", "", stats.appendLatency());
        family(out, "shardwal_log_msync_latency_seconds", "summary",
            "Latency of one msync over all shards (merged histograms), since the log was opened.");
        summary(out, "shardwal_log_msync_latency_seconds", "", stats.msyncLatency());
        family(out, "shardwal_record_skew_ratio", "gauge",
            "Records of the busiest shard over the mean per shard (1 is perfectly even, 0 without records).");
        out.append("shardwal_record_skew_ratio ").append(number(stats.recordSkew())).append('\n');
        return out.toString();
    }

    /**
     * Appends the {@code # HELP} and {@code # TYPE} lines of a family: for components that render their own families
     * next to the log's (the ingest front end's {@code IngestStats.toPrometheus()}).
     */
    public static void family(final StringBuilder out, final String name, final String type, final String help)
    {
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void perShard(final StringBuilder out, final List<ShardStats> shards, final String name,
        final String type, final String help, final ToLongFunction<ShardStats> value)
    {
        family(out, name, type, help);
        for (final ShardStats shard : shards)
        {
            out.append(name).append("{shard=\"").append(shard.shard()).append("\"} ")
                .append(value.applyAsLong(shard)).append('\n');
        }
    }

    /**
     * Appends the samples of a latency summary in seconds: quantiles 0.5, 0.9, 0.99, 0.999 and 1 ({@code NaN} while
     * empty), {@code _sum} and {@code _count}. {@code labels} is empty or ends in a comma.
     */
    public static void summary(final StringBuilder out, final String name, final String labels,
        final LatencySummary latency)
    {
        final long[] values = {latency.p50(), latency.p90(), latency.p99(), latency.p999(), latency.max()};
        for (int i = 0; i < QUANTILES.length; i++)
        {
            out.append(name).append('{').append(labels).append("quantile=\"").append(QUANTILES[i]).append("\"} ")
                .append(latency.count() == 0 ? "NaN" : seconds(values[i])).append('\n');
        }
        final String plain = labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1) + "}";
        out.append(name).append("_sum").append(plain).append(' ')
            .append(seconds(latency.sumNanos())).append('\n');
        out.append(name).append("_count").append(plain).append(' ').append(latency.count()).append('\n');
    }

    /** Nanoseconds as exact decimal seconds ({@code 1500} is {@code 0.0000015}), never in exponent notation. */
    static String seconds(final long nanos)
    {
        return nanos == 0 ? "0" : BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
    }

    private static String number(final double value)
    {
        if (Double.isNaN(value))
        {
            return "NaN";
        }
        if (Double.isInfinite(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    /** A label value: backslash, double quote and line feed escaped. */
    public static String escapeLabel(final String value)
    {
        return escape(value, true);
    }

    /** HELP text: backslash and line feed escaped. */
    static String escapeHelp(final String value)
    {
        return escape(value, false);
    }

    private static String escape(final String value, final boolean quote)
    {
        final StringBuilder out = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            switch (c)
            {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '"' -> out.append(quote ? "\\\"" : "\"");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
