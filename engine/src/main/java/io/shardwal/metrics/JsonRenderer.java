package io.shardwal.metrics;

/**
 * Renders a {@link WalStats} snapshot as one JSON object: the log's settings, totals, whole-log latency and one
 * object per shard. Latencies are integers in nanoseconds (names end in {@code Nanos}, the mean is a number);
 * positions and sizes are bytes. A value the snapshot does not know — the durable position and sync lag of a
 * read-only view — is {@code null}. {@code inFlightBytes} is claimed but not yet committed (see
 * {@link ShardStats#inFlightBytes()}: a value that stays is a claim that is never committed).
 *
 * <pre>
 * {"at":"2026-…Z","directory":"/var/wal","syncMode":"ASYNC","latencyRecording":"FULL","shardCount":16,
 *  "totals":{"records":…,"payloadBytes":…,"rolls":…,"msyncs":…,"syncLagBytes":…,"inFlightBytes":…,
 *            "recordSkew":1.02},
 *  "appendLatency":{"count":…,"p50Nanos":…,"p90Nanos":…,"p99Nanos":…,"p999Nanos":…,"maxNanos":…,"meanNanos":…},
 *  "msyncLatency":{…},
 *  "shards":[{"shard":0,"records":…,"payloadBytes":…,"committedPosition":…,"claimedPosition":…,
 *             "inFlightBytes":…,"durablePosition":…,"syncLagBytes":…,"segments":…,"rolls":…,"inlinePrepares":…,
 *             "msyncs":…,"msyncBytes":…,"msyncFailures":…,"prepareFailures":…,"unblockedClaims":…,
 *             "recoveryRepairs":…,
 *             "appendLatency":{…},"msyncLatency":{…},"rollWait":{…}}, …]}
 * </pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class JsonRenderer
{
    private JsonRenderer()
    {
    }

    public static String render(final WalStats stats)
    {
        final boolean durableKnown = stats.shards().stream().allMatch(shard -> shard.durablePosition() >= 0);
        final JsonWriter json = new JsonWriter(new StringBuilder(1024 + 600 * stats.shards().size()));
        json.beginObject()
            .field("at", stats.at().toString())
            .field("directory", stats.directory())
            .field("syncMode", stats.syncMode())
            .field("latencyRecording", stats.latency().name())
            .field("shardCount", stats.shards().size());
        json.name("totals").beginObject()
            .field("records", stats.records())
            .field("payloadBytes", stats.payloadBytes())
            .field("rolls", stats.rolls())
            .field("msyncs", stats.msyncs());
        optional(json, "syncLagBytes", durableKnown, stats.syncLag());
        json.field("inFlightBytes", stats.inFlightBytes())
            .field("recordSkew", stats.recordSkew()).endObject();
        latency(json.name("appendLatency"), stats.appendLatency());
        latency(json.name("msyncLatency"), stats.msyncLatency());
        json.name("shards").beginArray();
        for (final ShardStats shard : stats.shards())
        {
            json.beginObject()
                .field("shard", shard.shard())
                .field("records", shard.records())
                .field("payloadBytes", shard.payloadBytes())
                .field("committedPosition", shard.committedPosition())
                .field("claimedPosition", shard.claimedPosition())
                .field("inFlightBytes", shard.inFlightBytes());
            optional(json, "durablePosition", durableKnown, shard.durablePosition());
            optional(json, "syncLagBytes", durableKnown, shard.syncLag());
            json.field("segments", shard.segmentCount())
                .field("rolls", shard.rolls())
                .field("inlinePrepares", shard.inlinePrepares())
                .field("msyncs", shard.msyncs())
                .field("msyncBytes", shard.msyncBytes())
                .field("msyncFailures", shard.msyncFailures())
                .field("prepareFailures", shard.prepareFailures())
                .field("unblockedClaims", shard.unblockedClaims())
                .field("recoveryRepairs", shard.recoveryRepairs());
            latency(json.name("appendLatency"), shard.appendLatency());
            latency(json.name("msyncLatency"), shard.msyncLatency());
            latency(json.name("rollWait"), shard.rollWaitLatency());
            json.endObject();
        }
        json.endArray().endObject();
        return json.toString();
    }

    private static void optional(final JsonWriter json, final String name, final boolean known, final long value)
    {
        if (known)
        {
            json.field(name, value);
        }
        else
        {
            json.name(name).nullValue();
        }
    }

    /**
     * {@code latency} as the next value of {@code json}: {@code {"count":…,"p50Nanos":…,…,"meanNanos":…,"sumNanos":…}},
     * the shape of every latency in {@link #render}.
     */
    public static void latency(final JsonWriter json, final LatencySummary latency)
    {
        json.beginObject()
            .field("count", latency.count())
            .field("p50Nanos", latency.p50())
            .field("p90Nanos", latency.p90())
            .field("p99Nanos", latency.p99())
            .field("p999Nanos", latency.p999())
            .field("maxNanos", latency.max())
            .field("meanNanos", latency.mean())
            .field("sumNanos", latency.sumNanos())
            .endObject();
    }
}
