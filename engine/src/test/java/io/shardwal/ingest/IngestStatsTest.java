package io.shardwal.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.shardwal.index.Labels;
import io.shardwal.index.ShardedIndex;
import io.shardwal.metrics.JsonReader;
import io.shardwal.metrics.LatencySummary;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/** The ingest's figures in the Prometheus text format and in JSON, read back with shardwal's own parsers. */
class IngestStatsTest
{
    @TempDir
    Path dir;

    /** 20 samples of 5 series, in batches of 8: two batches written, 4 samples pending. */
    private IngestStats sendTwentySamples()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(2).syncMode(SyncMode.BATCH_ONLY)
            .build()); ShardedIndex index = ShardedIndex.withShards(1);
            Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().serializers(1).maxSignalsInBatch(8)
                .flushFrequency(Duration.ofHours(1)).build()))
        {
            for (int i = 0; i < 20; i++)
            {
                ingest.send(Labels.of("__name__", "up", "host", "h" + (i % 5)), i, 1);
            }
            return ingest.stats();
        }
    }

    @Test
    void shouldRenderEveryFigureAsJsonThatParsesBack()
    {
        final IngestStats stats = sendTwentySamples();
        final Map<String, Object> json = JsonReader.object(stats.toJson());
        assertEquals(List.of("samplesAccepted", "samplesWritten", "batchesWritten", "seriesDefined", "failedWrites",
            "timeouts", "pendingSamples", "batchWrite", "batchAge", "sendWait"), List.copyOf(json.keySet()));
        assertEquals(20, number(json.get("samplesAccepted")));
        assertEquals(16, number(json.get("samplesWritten")));
        assertEquals(2, number(json.get("batchesWritten")));
        assertEquals(5, number(json.get("seriesDefined")));
        assertEquals(0, number(json.get("failedWrites")));
        assertEquals(0, number(json.get("timeouts")));
        assertEquals(4, number(json.get("pendingSamples")));
        final Map<?, ?> writes = (Map<?, ?>)json.get("batchWrite");
        assertEquals(2, number(writes.get("count")));
        assertEquals(stats.batchWrites().max(), number(writes.get("maxNanos")));
        assertEquals(stats.batchWrites().p99(), number(writes.get("p99Nanos")));
        assertEquals(stats.batchAges().sumNanos(), number(((Map<?, ?>)json.get("batchAge")).get("sumNanos")));
        assertEquals(0, number(((Map<?, ?>)json.get("sendWait")).get("count")));
    }

    private static long number(final Object json)
    {
        return ((BigDecimal)json).longValueExact();
    }

    @Test
    void shouldRenderEveryFigureAsAPrometheusFamilyThatParsesBack()
    {
        final IngestStats stats = sendTwentySamples();
        final PrometheusTextParser.Exposition exposition = PrometheusTextParser.parse(stats.toPrometheus());
        final Map<String, Double> values = new HashMap<>();
        for (final Sample sample : exposition.samples())
        {
            final String quantile = sample.labels().get("quantile");
            values.put(sample.metricName() + (quantile.isEmpty() ? "" : " " + quantile), sample.value());
        }
        assertEquals(20.0, values.get("shardwal_ingest_samples_accepted_total"), values.toString());
        assertEquals(16.0, values.get("shardwal_ingest_samples_written_total"));
        assertEquals(2.0, values.get("shardwal_ingest_batches_written_total"));
        assertEquals(5.0, values.get("shardwal_ingest_series_defined_total"));
        assertEquals(0.0, values.get("shardwal_ingest_failed_writes_total"));
        assertEquals(0.0, values.get("shardwal_ingest_timeouts_total"));
        assertEquals(4.0, values.get("shardwal_ingest_pending_samples"));
        assertEquals(2.0, values.get("shardwal_ingest_batch_write_seconds_count"));
        assertEquals(stats.batchWrites().max() / 1e9, values.get("shardwal_ingest_batch_write_seconds 1"),
            1e-12);
        assertEquals(stats.batchAges().sumNanos() / 1e9, values.get("shardwal_ingest_batch_age_seconds_sum"),
            1e-12);
        assertEquals(0.0, values.get("shardwal_ingest_send_wait_seconds_count"));
        assertTrue(values.get("shardwal_ingest_send_wait_seconds 0.5").isNaN(), "an empty summary is NaN");
        assertEquals(10, exposition.families().size(), exposition.families().keySet().toString());
        for (final MetricFamily family : exposition.families().values())
        {
            assertTrue(family.name().startsWith("shardwal_ingest_") && !family.help().isEmpty()
                && family.type() != MetricType.UNTYPED, family.toString());
        }
        assertEquals(LatencySummary.EMPTY, stats.sendWaits());
    }
}
