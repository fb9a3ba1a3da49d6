package io.shardwal.ingest;

/**
 * Counters of an {@link Ingest} since it was opened.
 *
 * @param samplesAccepted samples that sends took into a batch.
 * @param samplesWritten  samples whose batch was written to the log.
 * @param batchesWritten  batches written (each one {@code appendBatch}).
 * @param seriesDefined   SERIES records taken: series that were new to the index (or collided).
 * @param failedWrites    batch writes that failed (each failed batch was kept and tried again later).
 * @param timeouts        sends that found no free serializer within {@code maxWaitTime}.
 * @param pendingSamples  samples in batches not written yet, at the time of the call.
 */
public record IngestStats(long samplesAccepted, long samplesWritten, long batchesWritten, long seriesDefined,
    long failedWrites, long timeouts, long pendingSamples)
{
}
