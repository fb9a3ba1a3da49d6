package io.shardwal.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.shardwal.ingest.MetricFamily;
import io.shardwal.ingest.MetricType;
import io.shardwal.ingest.PrometheusTextParser;
import io.shardwal.ingest.Sample;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalClaim;
import io.shardwal.wal.WalOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Prometheus rendering parses back, sample for sample, with the right values, types and escaping. */
class PrometheusRendererTest
{
    @TempDir
    Path dir;

    /** Every sample the rendering of {@code stats} must hold, keyed like {@link #key(Sample)}. */
    private static Map<String, Double> expected(final WalStats stats)
    {
        final Map<String, Double> samples = new TreeMap<>();
        samples.put("shardwal_info{directory=" + stats.directory() + ",latency_recording=" + stats.latency()
            + ",sync_mode=" + stats.syncMode() + "}", 1.0);
        samples.put("shardwal_shards{}", (double)stats.shards().size());
        for (final ShardStats shard : stats.shards())
        {
            final String labels = "{shard=" + shard.shard() + "}";
            samples.put("shardwal_records_total" + labels, (double)shard.records());
            samples.put("shardwal_payload_bytes_total" + labels, (double)shard.payloadBytes());
            samples.put("shardwal_committed_position_bytes" + labels, (double)shard.committedPosition());
            samples.put("shardwal_claimed_position_bytes" + labels, (double)shard.claimedPosition());
            samples.put("shardwal_in_flight_bytes" + labels, (double)shard.inFlightBytes());
            if (shard.durablePosition() >= 0)
            {
                samples.put("shardwal_durable_position_bytes" + labels, (double)shard.durablePosition());
                samples.put("shardwal_sync_lag_bytes" + labels, (double)shard.syncLag());
            }
            samples.put("shardwal_segments" + labels, (double)shard.segmentCount());
            samples.put("shardwal_segment_rolls_total" + labels, (double)shard.rolls());
            samples.put("shardwal_inline_prepares_total" + labels, (double)shard.inlinePrepares());
            samples.put("shardwal_msyncs_total" + labels, (double)shard.msyncs());
            samples.put("shardwal_msync_bytes_total" + labels, (double)shard.msyncBytes());
            samples.put("shardwal_msync_failures_total" + labels, (double)shard.msyncFailures());
            samples.put("shardwal_prepare_failures_total" + labels, (double)shard.prepareFailures());
            samples.put("shardwal_unblocked_claims_total" + labels, (double)shard.unblockedClaims());
            samples.put("shardwal_recovery_repairs_total" + labels, (double)shard.recoveryRepairs());
            summary(samples, "shardwal_append_latency_seconds", "shard=" + shard.shard(), shard.appendLatency());
            summary(samples, "shardwal_msync_latency_seconds", "shard=" + shard.shard(), shard.msyncLatency());
            summary(samples, "shardwal_roll_wait_seconds", "shard=" + shard.shard(), shard.rollWaitLatency());
        }
        summary(samples, "shardwal_log_append_latency_seconds", "", stats.appendLatency());
        summary(samples, "shardwal_log_msync_latency_seconds", "", stats.msyncLatency());
        samples.put("shardwal_record_skew_ratio{}", stats.recordSkew());
        return samples;
    }

    private static void summary(final Map<String, Double> samples, final String name, final String shard,
        final LatencySummary latency)
    {
        final String suffix = shard.isEmpty() ? "" : "," + shard;
        final long[] values = {latency.p50(), latency.p90(), latency.p99(), latency.p999(), latency.max()};
        final String[] quantiles = {"0.5", "0.9", "0.99", "0.999", "1"};
        for (int i = 0; i < values.length; i++)
        {
            samples.put(name + "{quantile=" + quantiles[i] + suffix + "}",
                latency.count() == 0 ? Double.NaN : values[i] / 1e9);
        }
        samples.put(name + "_sum{" + shard + "}", latency.sumNanos() / 1e9);
        samples.put(name + "_count{" + shard + "}", (double)latency.count());
    }

    /** {@code name{a=x,b=y}} with labels sorted by name and values unescaped. */
    private static String key(final Sample sample)
    {
        final Map<String, String> labels = new TreeMap<>();
        for (int i = 0; i < sample.labels().size(); i++)
        {
            labels.put(sample.labels().name(i), sample.labels().value(i));
        }
        final StringBuilder key = new StringBuilder(sample.metricName()).append('{');
        labels.forEach((name, value) -> key.append(key.charAt(key.length() - 1) == '{' ? "" : ",").append(name)
            .append('=').append(value));
        return key.append('}').toString();
    }

    private static void assertSamples(final Map<String, Double> expected, final Map<String, Double> actual)
    {
        assertEquals(expected.keySet(), actual.keySet(), "the same series");
        expected.forEach((key, value) -> assertEquals(value, actual.get(key), key));
    }

    private static Map<String, Double> parsed(final PrometheusTextParser.Exposition exposition)
    {
        final Map<String, Double> samples = new TreeMap<>();
        for (final Sample sample : exposition.samples())
        {
            assertEquals(null, samples.put(key(sample), sample.value()), "one sample per series: " + key(sample));
        }
        return samples;
    }

    @Test
    void shouldParseBackEverySampleWithItsExactValueAndEscapedLabels()
    {
        final WalStats stats = SampleStats.writer();
        final String text = PrometheusRenderer.render(stats);
        final PrometheusTextParser.Exposition exposition = PrometheusTextParser.parse(text);
        assertSamples(expected(stats), parsed(exposition));
        assertTrue(text.contains("directory=\"/data/wal \\\"prod\\\"\\\\east\\nsecond line\""), text);
        assertTrue(text.contains("shardwal_append_latency_seconds{shard=\"1\",quantile=\"0.99\"} 0.0000024\n"), text);
        assertTrue(text.endsWith("\n"));
    }

    @Test
    void shouldDeclareEveryFamilyWithHelpAndTheRightTypeAndUnitsInNames()
    {
        final PrometheusTextParser.Exposition exposition = PrometheusTextParser.parse(
            PrometheusRenderer.render(SampleStats.writer()));
        final Map<String, MetricType> types = new HashMap<>();
        for (final MetricFamily family : exposition.families().values())
        {
            assertFalse(family.help().isBlank(), "HELP for " + family.name());
            assertTrue(family.name().startsWith("shardwal_"), family.name());
            types.put(family.name(), family.type());
            if (family.type() == MetricType.COUNTER)
            {
                assertTrue(family.name().endsWith("_total"), family.name());
            }
            if (family.type() == MetricType.SUMMARY)
            {
                assertTrue(family.name().endsWith("_seconds"), family.name());
            }
        }
        assertEquals(MetricType.COUNTER, types.get("shardwal_records_total"));
        assertEquals(MetricType.GAUGE, types.get("shardwal_committed_position_bytes"));
        assertEquals(MetricType.GAUGE, types.get("shardwal_claimed_position_bytes"));
        assertEquals(MetricType.GAUGE, types.get("shardwal_in_flight_bytes"));
        assertEquals(MetricType.SUMMARY, types.get("shardwal_append_latency_seconds"));
        assertEquals(MetricType.SUMMARY, types.get("shardwal_log_msync_latency_seconds"));
    }

    @Test
    void shouldLeaveOutWhatAReadOnlyViewDoesNotKnowAndWriteNaNForEmptySummaries()
    {
        final WalStats stats = SampleStats.readOnly();
        final String text = PrometheusRenderer.render(stats);
        final Map<String, Double> samples = parsed(PrometheusTextParser.parse(text));
        assertSamples(expected(stats), samples);
        assertFalse(text.contains("durable_position"), text);
        assertFalse(text.contains("sync_lag"), text);
        assertTrue(samples.get("shardwal_append_latency_seconds{quantile=0.5,shard=0}").isNaN());
        assertEquals(64.0, samples.get("shardwal_in_flight_bytes{shard=0}"), "a read-only view knows the claims");
    }

    @Test
    void shouldRenderTheStatsOfARealLogSoThatTheyParse()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir.resolve("log")).shardCount(4)
            .segmentSize(1 << 14).syncMode(SyncMode.STRICT).latencyRecording(LatencyRecording.FULL).build()))
        {
            for (int i = 0; i < 500; i++)
            {
                wal.append(("key-" + i).getBytes(), new byte[i % 200]);
            }
            final WalStats stats = wal.stats();
            final Map<String, Double> samples = parsed(PrometheusTextParser.parse(PrometheusRenderer.render(stats)));
            assertSamples(expected(stats), samples);
            double records = 0;
            for (int shard = 0; shard < 4; shard++)
            {
                records += samples.get("shardwal_records_total{shard=" + shard + "}");
            }
            assertEquals(500, records);
            assertEquals(500, samples.get("shardwal_log_append_latency_seconds_count{}"));
        }
    }

    /** A claim the writer never commits shows as in-flight bytes above a committed position that does not move. */
    @Test
    void shouldExposeAClaimLeftOpenAsInFlightBytesAboveTheCommittedPosition()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir.resolve("log")).shardCount(1)
            .syncMode(SyncMode.ASYNC).build()); WalClaim claim = new WalClaim())
        {
            wal.append("before".getBytes(), new byte[10]);
            final long committed = wal.committedPosition(0);
            wal.tryClaim("open".getBytes(), 50, claim);
            final String text = PrometheusRenderer.render(wal.stats());
            final Map<String, Double> samples = parsed(PrometheusTextParser.parse(text));
            final long frame = FrameDescriptor.align(FrameDescriptor.dataFrameLength(4, 50));
            assertEquals((double)committed, samples.get("shardwal_committed_position_bytes{shard=0}"));
            assertEquals((double)(committed + frame), samples.get("shardwal_claimed_position_bytes{shard=0}"));
            assertEquals((double)frame, samples.get("shardwal_in_flight_bytes{shard=0}"));
            assertTrue(text.contains("# TYPE shardwal_in_flight_bytes gauge\n"), text);
            claim.abort();
            assertEquals(0.0, parsed(PrometheusTextParser.parse(PrometheusRenderer.render(wal.stats())))
                .get("shardwal_in_flight_bytes{shard=0}"));
        }
    }

    /**
     * Two scrapers render while a writer appends: in every rendering the whole-log latency counts exactly what the
     * shards' summaries count (the log-wide families are the shards' histograms merged, not a later picture).
     */
    @Test
    void shouldRenderWholeLogLatencyConsistentWithTheShardsWhileOthersRenderAndShardsUpdate() throws Exception
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir.resolve("log")).shardCount(2)
            .syncMode(SyncMode.ASYNC).latencyRecording(LatencyRecording.FULL).build()))
        {
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicReference<String> mismatch = new AtomicReference<>();
            final Runnable scraper = () ->
            {
                while (!stop.get() && mismatch.get() == null)
                {
                    final WalStats stats = wal.stats();
                    final long shardAppends = stats.shards().stream().mapToLong(s -> s.appendLatency().count()).sum();
                    final long shardMsyncs = stats.shards().stream().mapToLong(s -> s.msyncLatency().count()).sum();
                    if (stats.appendLatency().count() != shardAppends || stats.msyncLatency().count() != shardMsyncs)
                    {
                        mismatch.set("log-wide appends " + stats.appendLatency().count() + ", msyncs "
                            + stats.msyncLatency().count() + "; the shards' " + shardAppends + ", " + shardMsyncs);
                    }
                }
            };
            final Thread[] scrapers = {new Thread(scraper), new Thread(scraper)};
            for (final Thread thread : scrapers)
            {
                thread.start();
            }
            final byte[] value = new byte[16];
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            for (int i = 0; System.nanoTime() < deadline && mismatch.get() == null; i++)
            {
                wal.append(("key-" + (i & 63)).getBytes(), value);
                if ((i & 1023) == 0)
                {
                    wal.sync();
                }
            }
            stop.set(true);
            for (final Thread thread : scrapers)
            {
                thread.join();
            }
            assertNull(mismatch.get(), mismatch.get());
            final WalStats stats = wal.stats();
            final Map<String, Double> samples = parsed(PrometheusTextParser.parse(PrometheusRenderer.render(stats)));
            assertSamples(expected(stats), samples);
            assertEquals(samples.get("shardwal_append_latency_seconds_count{shard=0}")
                + samples.get("shardwal_append_latency_seconds_count{shard=1}"),
                samples.get("shardwal_log_append_latency_seconds_count{}"));
        }
    }
}
