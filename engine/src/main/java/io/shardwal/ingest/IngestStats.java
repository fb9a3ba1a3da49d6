package io.shardwal.ingest;

import io.shardwal.metrics.JsonRenderer;
import io.shardwal.metrics.JsonWriter;
import io.shardwal.metrics.LatencySummary;
import io.shardwal.metrics.PrometheusRenderer;

/**
 * Counters and latencies (HdrHistogram percentiles, nanoseconds) of an {@link Ingest} since it was opened.
 *
 * @param samplesAccepted samples that sends took into a batch.
 * @param samplesWritten  samples whose batch was written to the log.
 * @param batchesWritten  batches written (each one {@code appendBatch}).
 * @param seriesDefined   SERIES records taken: series that were new to the index (or collided).
 * @param failedWrites    batch writes that failed (each failed batch was kept and tried again later).
 * @param timeouts        sends that found no free serializer within {@code maxWaitTime}.
 * @param pendingSamples  samples in batches not written yet, at the time of the call.
 * @param batchWrites     per written batch, its {@code appendBatch} (with the msync in STRICT and BATCH_ONLY mode).
 * @param batchAges       per written batch, the time from its first sample until it was written: the longest a
 *                        sample of it waited to reach the log (at most about {@code flushFrequency} plus the write,
 *                        unless writes failed).
 * @param sendWaits       per send that found every serializer busy, how long it waited for one (sends that took one
 *                        at once are not recorded; {@code sendWaits.count()} says how many waited).
 */
public record IngestStats(long samplesAccepted, long samplesWritten, long batchesWritten, long seriesDefined,
    long failedWrites, long timeouts, long pendingSamples, LatencySummary batchWrites, LatencySummary batchAges,
    LatencySummary sendWaits)
{
    /**
     * These figures in the Prometheus text exposition format, as {@code shardwal_ingest_*} families with the
     * conventions of {@link PrometheusRenderer} (units in the names, counters ending in {@code _total}, latencies as
     * summaries in seconds), to serve next to the log's own {@link PrometheusRenderer#render} output.
     */
    public String toPrometheus()
    {
        final StringBuilder out = new StringBuilder(2048);
        counter(out, "shardwal_ingest_samples_accepted_total", "Samples that sends took into a batch.",
            samplesAccepted);
        counter(out, "shardwal_ingest_samples_written_total", "Samples whose batch was written to the log.",
            samplesWritten);
        counter(out, "shardwal_ingest_batches_written_total", "Batches written, each with one appendBatch.",
            batchesWritten);
        counter(out, "shardwal_ingest_series_defined_total", "Series definitions written: series new to the index.",
            seriesDefined);
        counter(out, "shardwal_ingest_failed_writes_total", "Batch writes that failed (the batch is kept and retried).",
            failedWrites);
        counter(out, "shardwal_ingest_timeouts_total", "Sends that found no free serializer within maxWaitTime.",
            timeouts);
        PrometheusRenderer.family(out, "shardwal_ingest_pending_samples", "gauge",
            "Samples in batches not written yet.");
        out.append("shardwal_ingest_pending_samples ").append(pendingSamples).append('\n');
        summary(out, "shardwal_ingest_batch_write_seconds", "Time of one batch write (appendBatch, with its msync "
            + "in STRICT and BATCH_ONLY mode).", batchWrites);
        summary(out, "shardwal_ingest_batch_age_seconds", "Time from a batch's first sample until the batch was "
            + "written: the longest one of its samples waited to reach the log.", batchAges);
        summary(out, "shardwal_ingest_send_wait_seconds", "Time a send waited for a free serializer, for sends that "
            + "found all busy.", sendWaits);
        return out.toString();
    }

    /**
     * These figures as one JSON object, with the conventions of {@link JsonRenderer} (latencies as objects of
     * integer nanoseconds), to serve next to the log's own {@link JsonRenderer#render} output:
     * <pre>
     * {"samplesAccepted":…,"samplesWritten":…,"batchesWritten":…,"seriesDefined":…,"failedWrites":…,"timeouts":…,
     *  "pendingSamples":…,"batchWrite":{"count":…,"p50Nanos":…,…},"batchAge":{…},"sendWait":{…}}
     * </pre>
     */
    public String toJson()
    {
        final JsonWriter json = new JsonWriter(new StringBuilder(1024));
        json.beginObject()
            .field("samplesAccepted", samplesAccepted)
            .field("samplesWritten", samplesWritten)
            .field("batchesWritten", batchesWritten)
            .field("seriesDefined", seriesDefined)
            .field("failedWrites", failedWrites)
            .field("timeouts", timeouts)
            .field("pendingSamples", pendingSamples);
        JsonRenderer.latency(json.name("batchWrite"), batchWrites);
        JsonRenderer.latency(json.name("batchAge"), batchAges);
        JsonRenderer.latency(json.name("sendWait"), sendWaits);
        return json.endObject().toString();
    }

    private static void counter(final StringBuilder out, final String name, final String help, final long value)
    {
        PrometheusRenderer.family(out, name, "counter", help);
        out.append(name).append(' ').append(value).append('\n');
    }

    private static void summary(final StringBuilder out, final String name, final String help,
        final LatencySummary latency)
    {
        PrometheusRenderer.family(out, name, "summary", help);
        PrometheusRenderer.summary(out, name, "", latency);
    }
}
