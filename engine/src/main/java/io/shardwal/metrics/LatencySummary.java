package io.shardwal.metrics;

import org.HdrHistogram.Histogram;

/**
 * Percentiles of a latency histogram, in nanoseconds. {@code count == 0} means nothing was recorded.
 *
 * @param sumNanos the exact sum of every recorded latency (the histogram's mean is bucketed, this is not).
 */
public record LatencySummary(long count, long p50, long p90, long p99, long p999, long max, double mean,
    long sumNanos)
{
    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0);

    public static LatencySummary of(final Histogram histogram, final long sumNanos)
    {
        if (histogram.getTotalCount() == 0)
        {
            return EMPTY;
        }
        return new LatencySummary(histogram.getTotalCount(), histogram.getValueAtPercentile(50),
            histogram.getValueAtPercentile(90), histogram.getValueAtPercentile(99),
            histogram.getValueAtPercentile(99.9), histogram.getMaxValue(), histogram.getMean(), sumNanos);
    }
}
