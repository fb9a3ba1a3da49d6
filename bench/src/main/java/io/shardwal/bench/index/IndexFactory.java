package io.shardwal.bench.index;

import io.shardwal.index.IndexOptions;
import io.shardwal.index.SeriesIndex;
import io.shardwal.index.ShardedIndex;

/** The index variants the benchmarks compare, by the name used in their {@code index} parameter. */
final class IndexFactory
{
    static final String BASELINE = "baseline";
    private static final String LISTS_ONLY = "-lists";

    private IndexFactory()
    {
    }

    /** {@code baseline}, {@code sharded-N} or {@code sharded-N-lists} (no bitmaps beside dense postings lists). */
    static SeriesIndex create(final String name, final int expectedSeries)
    {
        if (BASELINE.equals(name))
        {
            return new SingleLockHeapIndex();
        }
        if (name.startsWith("sharded-"))
        {
            final boolean listsOnly = name.endsWith(LISTS_ONLY);
            final String count = name.substring("sharded-".length(), name.length() - (listsOnly ? LISTS_ONLY.length() : 0));
            final int shards = Integer.parseInt(count);
            return new ShardedIndex(IndexOptions.builder()
                .shardCount(shards)
                .expectedSeriesPerShard(Math.max(1024, expectedSeries / shards))
                .bitmapMinEntries(listsOnly ? Integer.MAX_VALUE : IndexOptions.DEFAULT_BITMAP_MIN_ENTRIES)
                .build());
        }
        throw new IllegalArgumentException("unknown index variant " + name);
    }
}
