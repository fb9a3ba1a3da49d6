package io.shardwal.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The JSON rendering is well formed and carries every value under its documented name. */
class JsonRendererTest
{
    @SuppressWarnings("unchecked")
    private static Map<String, Object> member(final Map<String, Object> object, final String name)
    {
        return (Map<String, Object>)object.get(name);
    }

    private static BigDecimal number(final long value)
    {
        return BigDecimal.valueOf(value);
    }

    @Test
    void shouldRenderEveryFieldOfEveryShardAsValidJson()
    {
        final WalStats stats = SampleStats.writer();
        final Map<String, Object> json = JsonReader.object(JsonRenderer.render(stats));
        assertEquals(SampleStats.AWKWARD_DIRECTORY, json.get("directory"), "escaping round-trips");
        assertEquals("2026-01-02T03:04:05.123456789Z", json.get("at"));
        assertEquals("ASYNC", json.get("syncMode"));
        assertEquals("FULL", json.get("latencyRecording"));
        assertEquals(number(2), json.get("shardCount"));
        assertEquals(number(stats.records()), member(json, "totals").get("records"));
        assertEquals(number(stats.syncLag()), member(json, "totals").get("syncLagBytes"));
        assertEquals(number(stats.inFlightBytes()), member(json, "totals").get("inFlightBytes"));
        assertEquals(stats.recordSkew(), ((BigDecimal)member(json, "totals").get("recordSkew")).doubleValue(), 1e-12);
        assertEquals(number(9000), member(json, "appendLatency").get("p99Nanos"));
        assertEquals(new BigDecimal("1234.5"), member(json, "appendLatency").get("meanNanos"));
        @SuppressWarnings("unchecked")
        final List<Map<String, Object>> shards = (List<Map<String, Object>>)json.get("shards");
        assertEquals(2, shards.size());
        for (int i = 0; i < shards.size(); i++)
        {
            final ShardStats want = stats.shards().get(i);
            final Map<String, Object> shard = shards.get(i);
            assertEquals(number(want.shard()), shard.get("shard"));
            assertEquals(number(want.records()), shard.get("records"));
            assertEquals(number(want.payloadBytes()), shard.get("payloadBytes"));
            assertEquals(number(want.committedPosition()), shard.get("committedPosition"));
            assertEquals(number(want.claimedPosition()), shard.get("claimedPosition"));
            assertEquals(number(want.inFlightBytes()), shard.get("inFlightBytes"));
            assertEquals(number(want.durablePosition()), shard.get("durablePosition"));
            assertEquals(number(want.syncLag()), shard.get("syncLagBytes"));
            assertEquals(number(want.segmentCount()), shard.get("segments"));
            assertEquals(number(want.rolls()), shard.get("rolls"));
            assertEquals(number(want.inlinePrepares()), shard.get("inlinePrepares"));
            assertEquals(number(want.msyncs()), shard.get("msyncs"));
            assertEquals(number(want.msyncBytes()), shard.get("msyncBytes"));
            assertEquals(number(want.msyncFailures()), shard.get("msyncFailures"));
            assertEquals(number(want.prepareFailures()), shard.get("prepareFailures"));
            assertEquals(number(want.unblockedClaims()), shard.get("unblockedClaims"));
            assertEquals(number(want.recoveryRepairs()), shard.get("recoveryRepairs"));
            assertEquals(number(want.appendLatency().p999()), member(shard, "appendLatency").get("p999Nanos"));
            assertEquals(number(want.msyncLatency().max()), member(shard, "msyncLatency").get("maxNanos"));
            assertEquals(number(want.rollWaitLatency().count()), member(shard, "rollWait").get("count"));
        }
    }

    @Test
    void shouldWriteNullForWhatAReadOnlyViewDoesNotKnow()
    {
        final Map<String, Object> json = JsonReader.object(JsonRenderer.render(SampleStats.readOnly()));
        @SuppressWarnings("unchecked")
        final Map<String, Object> shard = ((List<Map<String, Object>>)json.get("shards")).getFirst();
        assertNull(shard.get("durablePosition"));
        assertNull(shard.get("syncLagBytes"));
        assertEquals(true, shard.containsKey("durablePosition"));
        assertNull(member(json, "totals").get("syncLagBytes"));
        assertEquals(number(4160), shard.get("claimedPosition"), "the claimed position is read from the files");
        assertEquals(number(64), shard.get("inFlightBytes"));
        assertEquals(number(64), member(json, "totals").get("inFlightBytes"));
    }

    @Test
    void shouldEscapeEveryControlCharacterAndLoneSurrogate()
    {
        final StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x80; c++)
        {
            all.append(c);
        }
        all.append("é€😀\u2028").append('\uD800').append("end");
        final String text = new JsonWriter().beginObject().field("s", all.toString()).endObject().toString();
        for (int i = 0; i < text.length(); i++)
        {
            assertEquals(false, text.charAt(i) < 0x20, "raw control character at " + i);
        }
        final String back = (String)JsonReader.object(text).get("s");
        assertEquals(all.toString(), back);
    }
}
