package io.shardwal.index;

/**
 * The settings of a {@link ShardedIndex}, validated once by {@link Builder#build()}. Immutable.
 *
 * @param shardCount             number of shards, each behind its own lock (default {@link #DEFAULT_SHARD_COUNT}).
 *                               More shards let more writers add at once, but every query visits every shard
 *                               and a host's series spread over all of them: keep it near the number of cores
 *                               that add series.
 * @param initialSlabBytes       size of a shard's first off-heap slab; later slabs double up to 256 KiB (default
 *                               {@link #DEFAULT_INITIAL_SLAB_BYTES}).
 * @param expectedSeriesPerShard initial capacity of each shard's id map (default
 *                               {@link #DEFAULT_EXPECTED_SERIES_PER_SHARD}); only a sizing hint.
 * @param compactionMinRemoved   a shard rebuilds itself once it holds at least this many removed series ...
 * @param compactionRemovedRatio ... and they are at least this fraction of its records (defaults
 *                               {@link #DEFAULT_COMPACTION_MIN_REMOVED}, {@link #DEFAULT_COMPACTION_REMOVED_RATIO}).
 * @param bitmapMinEntries       a label pair's postings list turns into a bitmap once it holds at least this many
 *                               series and at least 1/32 of its shard's (default {@link #DEFAULT_BITMAP_MIN_ENTRIES});
 *                               queries then intersect with it by a bit test per candidate. A bitmap block is as
 *                               large as a list of 128 entries, hence the default. {@link Integer#MAX_VALUE} turns
 *                               bitmaps off.
 */
public record IndexOptions(
    int shardCount,
    int initialSlabBytes,
    int expectedSeriesPerShard,
    int compactionMinRemoved,
    double compactionRemovedRatio,
    int bitmapMinEntries)
{
    public static final int DEFAULT_SHARD_COUNT = 8;
    public static final int MAX_SHARD_COUNT = 4096;
    public static final int DEFAULT_INITIAL_SLAB_BYTES = SlabArena.MIN_SLAB_BYTES;
    public static final int DEFAULT_EXPECTED_SERIES_PER_SHARD = 1024;
    public static final int DEFAULT_COMPACTION_MIN_REMOVED = 1024;
    public static final double DEFAULT_COMPACTION_REMOVED_RATIO = 0.25;
    public static final int DEFAULT_BITMAP_MIN_ENTRIES = 128;

    /** Validates; use {@link #builder()} rather than this constructor. */
    public IndexOptions
    {
        if (shardCount < 1 || shardCount > MAX_SHARD_COUNT)
        {
            throw new IllegalArgumentException("shardCount must be in [1, " + MAX_SHARD_COUNT + "]: " + shardCount);
        }
        if (Integer.bitCount(initialSlabBytes) != 1 || initialSlabBytes < SlabArena.MIN_SLAB_BYTES ||
            initialSlabBytes > IndexDescriptor.MAX_SLAB_BYTES)
        {
            throw new IllegalArgumentException("initialSlabBytes must be a power of two in [" +
                SlabArena.MIN_SLAB_BYTES + ", " + IndexDescriptor.MAX_SLAB_BYTES + "]: " + initialSlabBytes);
        }
        if (expectedSeriesPerShard < 0 || expectedSeriesPerShard > (1 << 28))
        {
            throw new IllegalArgumentException("expectedSeriesPerShard must be in [0, 2^28]: " +
                expectedSeriesPerShard);
        }
        if (compactionMinRemoved < 1)
        {
            throw new IllegalArgumentException("compactionMinRemoved must be positive: " + compactionMinRemoved);
        }
        if (!(compactionRemovedRatio > 0 && compactionRemovedRatio <= 1))
        {
            throw new IllegalArgumentException("compactionRemovedRatio must be in (0, 1]: " + compactionRemovedRatio);
        }
        if (bitmapMinEntries < 1)
        {
            throw new IllegalArgumentException("bitmapMinEntries must be positive: " + bitmapMinEntries);
        }
    }

    /** The defaults. */
    public static IndexOptions defaults()
    {
        return builder().build();
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /** Builds {@link IndexOptions}; every setting starts at its documented default. Not thread-safe. */
    public static final class Builder
    {
        private int shardCount = DEFAULT_SHARD_COUNT;
        private int initialSlabBytes = DEFAULT_INITIAL_SLAB_BYTES;
        private int expectedSeriesPerShard = DEFAULT_EXPECTED_SERIES_PER_SHARD;
        private int compactionMinRemoved = DEFAULT_COMPACTION_MIN_REMOVED;
        private int bitmapMinEntries = DEFAULT_BITMAP_MIN_ENTRIES;
        private double compactionRemovedRatio = DEFAULT_COMPACTION_REMOVED_RATIO;

        private Builder()
        {
        }

        public Builder shardCount(final int shardCount)
        {
            this.shardCount = shardCount;
            return this;
        }

        public Builder initialSlabBytes(final int initialSlabBytes)
        {
            this.initialSlabBytes = initialSlabBytes;
            return this;
        }

        public Builder expectedSeriesPerShard(final int expectedSeriesPerShard)
        {
            this.expectedSeriesPerShard = expectedSeriesPerShard;
            return this;
        }

        public Builder compactionMinRemoved(final int compactionMinRemoved)
        {
            this.compactionMinRemoved = compactionMinRemoved;
            return this;
        }

        public Builder compactionRemovedRatio(final double compactionRemovedRatio)
        {
            this.compactionRemovedRatio = compactionRemovedRatio;
            return this;
        }

        public Builder bitmapMinEntries(final int bitmapMinEntries)
        {
            this.bitmapMinEntries = bitmapMinEntries;
            return this;
        }

        public IndexOptions build()
        {
            return new IndexOptions(shardCount, initialSlabBytes, expectedSeriesPerShard, compactionMinRemoved,
                compactionRemovedRatio, bitmapMinEntries);
        }
    }
}
