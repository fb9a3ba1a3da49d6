package io.shardwal.index;

import java.util.List;

import org.HdrHistogram.Histogram;

/**
 * Lock-wait histograms of every shard of a {@link ShardedIndex} over one interval (since the previous
 * {@link ShardedIndex#lockWaits()} call), in nanoseconds. An acquisition that did not wait counts as 0.
 *
 * @param readers per shard, waits to take the read lock (queries, label lookups, re-adds of known series).
 * @param writers per shard, waits to take the write lock (new series, removals).
 */
public record LockWaits(List<Histogram> readers, List<Histogram> writers)
{
    /** The readers' histograms of all shards added together. */
    public Histogram allReaders()
    {
        return sum(readers);
    }

    /** The writers' histograms of all shards added together. */
    public Histogram allWriters()
    {
        return sum(writers);
    }

    private static Histogram sum(final List<Histogram> histograms)
    {
        final Histogram total = new Histogram(2);
        for (final Histogram h : histograms)
        {
            total.add(h);
        }
        return total;
    }
}
