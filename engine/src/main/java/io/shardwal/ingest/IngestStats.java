package io.shardwal.ingest;

import io.shardwal.metrics.LatencySummary;

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
}
