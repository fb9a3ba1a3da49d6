package io.shardwal.ingest;

import io.shardwal.metrics.LatencySeries;
import io.shardwal.metrics.LatencySummary;

/**
 * The latencies an {@link Ingest} records, each into a {@link LatencySeries} (wait-free for the recording threads),
 * all per batch or per wait, never per sample: a batch write (one {@code appendBatch}, with its msync in STRICT and
 * BATCH_ONLY mode), a batch's age when written (from its first sample: how long a sample waits in a batch at most),
 * and a send's wait for a free serializer (recorded only for sends that found every serializer busy, so that a send
 * that takes one at once costs nothing extra).
 *
 * <p>Thread-safe; {@link #snapshot} is serialised and moves what was recorded into totals since open.
 */
final class IngestLatencies
{
    /** A fixed snapshot, each summary since the ingest was opened. */
    record Snapshot(LatencySummary batchWrites, LatencySummary batchAges, LatencySummary sendWaits)
    {
    }

    private final LatencySeries batchWrites = new LatencySeries();
    private final LatencySeries batchAges = new LatencySeries();
    private final LatencySeries sendWaits = new LatencySeries();

    void batchWritten(final long writeNanos, final long ageNanos)
    {
        batchWrites.record(writeNanos);
        batchAges.record(ageNanos);
    }

    void sendWaited(final long waitNanos)
    {
        sendWaits.record(waitNanos);
    }

    synchronized Snapshot snapshot()
    {
        return new Snapshot(batchWrites.summary(), batchAges.summary(), sendWaits.summary());
    }
}
