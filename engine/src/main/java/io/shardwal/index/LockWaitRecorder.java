package io.shardwal.index;

import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Records how long threads waited for one side (readers or writers) of a shard lock. An uncontended acquisition
 * costs one striped-counter increment and no clock read; only a wait is timed and recorded in an HdrHistogram
 * {@link Recorder}. {@link #intervalHistogram()} merges both: the uncontended acquisitions appear as waits of 0 ns,
 * so percentiles are over all acquisitions.
 *
 * <p>Any thread may record; one thread at a time may take interval histograms.
 */
final class LockWaitRecorder
{
    private final Recorder waits = new Recorder(2);
    private final LongAdder uncontended = new LongAdder();

    void recordUncontended()
    {
        uncontended.increment();
    }

    void recordWait(final long nanos)
    {
        waits.recordValue(Math.max(0, nanos));
    }

    /** Waits (ns) since the previous call, including uncontended acquisitions as 0. */
    Histogram intervalHistogram()
    {
        final Histogram histogram = waits.getIntervalHistogram();
        final long zeros = uncontended.sumThenReset();
        if (zeros > 0)
        {
            histogram.recordValueWithCount(0, zeros);
        }
        return histogram;
    }
}
