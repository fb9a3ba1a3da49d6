package io.shardwal.metrics;

import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One latency recorded by any number of threads: an HdrHistogram {@link Recorder} (wait-free for the recording
 * threads) and the exact sum of what it received, moved by {@link #summary()} into a histogram of everything since
 * the series was made. Values are clamped to {@code [0, } {@link ShardMetrics#HIGHEST_TRACKABLE_NANOS}{@code ]}, in
 * the histogram and in the sum alike.
 *
 * <p>{@link #record} is thread-safe; {@link #summary()} and {@link #addTotalTo} must be serialised by the caller.
 */
public final class LatencySeries
{
    private final Recorder recorder =
        new Recorder(ShardMetrics.HIGHEST_TRACKABLE_NANOS, ShardMetrics.SIGNIFICANT_DIGITS);
    private final Histogram total = ShardMetrics.newTotal();
    /**
     * The exact sum (read at summary time, so it may include a value or two recorded while the summary was taken;
     * the count comes from the histogram).
     */
    private final LongAdder sum = new LongAdder();
    private Histogram interval;

    public void record(final long nanos)
    {
        final long value = Math.min(Math.max(nanos, 0), ShardMetrics.HIGHEST_TRACKABLE_NANOS);
        recorder.recordValue(value);
        sum.add(value);
    }

    /** Moves what was recorded since the last call into the total and summarises the total. */
    public LatencySummary summary()
    {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return LatencySummary.of(total, sum.sum());
    }

    /** Adds the total as of the last {@link #summary()} to {@code histogram} (for merging series). */
    public void addTotalTo(final Histogram histogram)
    {
        histogram.add(total);
    }
}
