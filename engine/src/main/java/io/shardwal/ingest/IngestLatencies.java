package io.shardwal.ingest;

import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import io.shardwal.metrics.LatencySummary;
import io.shardwal.metrics.ShardMetrics;

/**
 * The latencies an {@link Ingest} records, each into an HdrHistogram {@link Recorder} (wait-free for the recording
 * threads), all per batch or per wait, never per sample: a batch write (one {@code appendBatch}, with its msync in
 * STRICT and BATCH_ONLY mode), a batch's age when written (from its first sample: how long a sample waits in a
 * batch at most), and a send's wait for a free serializer (recorded only for sends that found every serializer
 * busy, so that a send that takes one at once costs nothing extra).
 *
 * <p>Thread-safe; {@link #snapshot} is serialised and moves what was recorded into totals since open.
 */
final class IngestLatencies
{
    /** A fixed snapshot, each summary since the ingest was opened. */
    record Snapshot(LatencySummary batchWrites, LatencySummary batchAges, LatencySummary sendWaits)
    {
    }

    /** An empty histogram of the shape the log's own latencies use: its range and precision are the recorders'. */
    private static final Histogram SHAPE = ShardMetrics.newTotal();

    private final Series batchWrites = new Series();
    private final Series batchAges = new Series();
    private final Series sendWaits = new Series();

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

    /** One latency: a recorder, the exact sum, and the total since open (guarded by the outer snapshot lock). */
    private static final class Series
    {
        private final Recorder recorder = new Recorder(SHAPE.getHighestTrackableValue(),
            SHAPE.getNumberOfSignificantValueDigits());
        private final LongAdder sum = new LongAdder();
        private final Histogram total = ShardMetrics.newTotal();
        private Histogram interval;

        void record(final long nanos)
        {
            final long value = Math.max(0, nanos);
            recorder.recordValue(Math.min(value, SHAPE.getHighestTrackableValue()));
            sum.add(value);
        }

        LatencySummary summary()
        {
            interval = recorder.getIntervalHistogram(interval);
            total.add(interval);
            return LatencySummary.of(total, sum.sum());
        }
    }
}
