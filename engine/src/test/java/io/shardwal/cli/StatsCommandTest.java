package io.shardwal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.shardwal.ingest.PrometheusTextParser;
import io.shardwal.ingest.Sample;
import io.shardwal.metrics.JsonReader;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.wal.RecordAddress;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.WalClaim;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stats} renders what the files hold: every record and byte counted, in all three renderings. */
class StatsCommandTest
{
    @TempDir
    Path dir;

    private Path log;
    private final Map<Integer, long[]> perShard = new HashMap<>();

    @BeforeEach
    void writeLog()
    {
        log = dir.resolve("log");
        for (final TestLogs.Written record : TestLogs.write(log, 500))
        {
            final long[] counts = perShard.computeIfAbsent(record.shard(), shard -> new long[2]);
            counts[0]++;
            counts[1] += record.key().length + record.value().length;
        }
    }

    @Test
    void shouldExposeEveryShardsRecordsAndBytesAsPrometheusTextThatParses()
    {
        final Cli.Run run = Cli.run("stats", log, "--prometheus");
        assertEquals(0, run.exit(), run.toString());
        final List<Sample> samples = PrometheusTextParser.parse(run.out()).samples();
        for (int shard = 0; shard < TestLogs.SHARDS; shard++)
        {
            assertEquals(perShard.get(shard)[0], value(samples, "shardwal_records_total", shard));
            assertEquals(perShard.get(shard)[1], value(samples, "shardwal_payload_bytes_total", shard));
        }
        assertFalse(run.out().contains("shardwal_durable_position_bytes"), "unknown to a read-only view");
        assertTrue(run.out().contains("sync_mode=\"unknown\""), run.out());
    }

    private static double value(final List<Sample> samples, final String name, final int shard)
    {
        return samples.stream().filter(sample -> sample.metricName().equals(name)
            && String.valueOf(shard).equals(sample.labels().get("shard"))).findFirst().orElseThrow().value();
    }

    @Test
    void shouldRenderTheSameNumbersAsJson()
    {
        final Cli.Run run = Cli.run("stats", log, "--json");
        assertEquals(0, run.exit(), run.toString());
        final Map<String, Object> json = JsonReader.object(run.out().strip());
        @SuppressWarnings("unchecked")
        final Map<String, Object> totals = (Map<String, Object>)json.get("totals");
        assertEquals(BigDecimal.valueOf(500), totals.get("records"));
        assertEquals(BigDecimal.valueOf(TestLogs.SHARDS), json.get("shardCount"));
    }

    @Test
    void shouldPrintATableAndSayThatLatencyLivesInTheWriter()
    {
        final Cli.Run run = Cli.run("stats", log);
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().lines().anyMatch(line -> line.startsWith("total") && line.contains("500")), run.out());
        assertTrue(run.out().contains("measured inside the writing process"), run.out());
        assertTrue(run.out().lines().anyMatch(line -> line.startsWith("shard") && line.contains("in flight")),
            run.out());
        assertFalse(run.out().contains(StatsCommand.IN_FLIGHT_NOTE.getFirst()), "nothing in flight: " + run.out());
    }

    /** A live writer holds a claim it has not committed: every rendering shows it, the table explains it. */
    @Test
    void shouldShowTheBytesOfAClaimTheWriterHoldsInFlight()
    {
        try (ShardedWal writer = ShardedWal.open(TestLogs.options(log)); WalClaim claim = new WalClaim())
        {
            final byte[] key = "stalled".getBytes(StandardCharsets.UTF_8);
            final long address = writer.tryClaim(key, 300, claim);
            final long frame = FrameDescriptor.align(FrameDescriptor.dataFrameLength(key.length, 300));

            final Cli.Run json = Cli.run("stats", log, "--json");
            assertEquals(0, json.exit(), json.toString());
            @SuppressWarnings("unchecked")
            final List<Map<String, Object>> shards = (List<Map<String, Object>>)JsonReader.object(json.out().strip())
                .get("shards");
            for (final Map<String, Object> shard : shards)
            {
                final boolean held = ((BigDecimal)shard.get("shard")).intValue() == RecordAddress.shard(address);
                assertEquals(BigDecimal.valueOf(held ? frame : 0), shard.get("inFlightBytes"), shard.toString());
            }

            final Cli.Run prometheus = Cli.run("stats", log, "--prometheus");
            assertEquals(frame, value(PrometheusTextParser.parse(prometheus.out()).samples(),
                "shardwal_in_flight_bytes", RecordAddress.shard(address)));

            final Cli.Run table = Cli.run("stats", log);
            assertEquals(0, table.exit(), table.toString());
            assertTrue(table.out().lines().anyMatch(line -> line.startsWith("total") && line.contains(" " + frame
                + " ")), table.out());
            assertTrue(table.out().contains(String.join(System.lineSeparator(), StatsCommand.IN_FLIGHT_NOTE)),
                table.out());
            claim.abort();
        }
    }

    /** stats walks every record: on a big log that takes long, so it shows progress, but not on a quick run. */
    @Test
    void shouldShowProgressOnStderrWhenCountingTakesLong()
    {
        final Cli.Run quick = Cli.run("stats", log, "--json");
        assertEquals(0, quick.exit(), quick.toString());
        assertEquals("", quick.err(), "counting for less than a second shows no progress");

        final long quiet = ProgressBar.longWorkNanos;
        ProgressBar.longWorkNanos = 0;
        try
        {
            final Cli.Run run = Cli.run("stats", log, "--json");
            assertEquals(0, run.exit(), run.toString());
            assertEquals(quick.out().lines().count(), run.out().lines().count(), "progress is not on stdout");
            assertTrue(run.err().matches("(?s)(counting: \\d+%  .*\n)*counting: 100%  .*\n"), run.err());
        }
        finally
        {
            ProgressBar.longWorkNanos = quiet;
        }
    }
}
