package io.shardwal.bench.index;

import io.shardwal.index.IndexOptions;
import io.shardwal.index.SeriesIndex;
import io.shardwal.index.ShardedIndex;

/** The index variants the benchmarks compare, by the name used in their {@code index} parameter. */
final class IndexFactory
{
    static final String BASELINE = "baseline";

    private IndexFactory()
    {
    }

    /** {@code baseline} or {@code sharded-N}. */
    static SeriesIndex create(final String name, final int expectedSeries)
    {
        if (BASELINE.equals(name))
        {
            return new SingleLockHeapIndex();
        }
        if (name.startsWith("sharded-"))
        {
            final int shards = Integer.parseInt(name.substring("sharded-".length()));
            return new ShardedIndex(IndexOptions.builder()
                .shardCount(shards)
                .expectedSeriesPerShard(Math.max(1024, expectedSeries / shards))
                .build());
        }
        throw new IllegalArgumentException("unknown index variant " + name);
    }
}
