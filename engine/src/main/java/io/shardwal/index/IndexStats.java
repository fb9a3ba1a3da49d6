package io.shardwal.index;

/**
 * A point-in-time summary of a {@link ShardedIndex}, each shard read under its read lock.
 *
 * @param shards               number of shards.
 * @param series               live series.
 * @param removedSeries        removed series whose records await a shard rebuild.
 * @param labelPairs           distinct (shard, name, value) pairs.
 * @param strings              interned strings, summed over shards.
 * @param postingsEntries      entries in all postings lists (one per label per series), removed series included
 *                             until a rebuild.
 * @param offHeapReservedBytes bytes of all off-heap slabs.
 * @param offHeapUsedBytes     bytes handed out from them (not free, not unused tail).
 * @param heapBytes            heap held by the index's maps and tables, counted exactly from their array sizes (the
 *                             maps' primitive arrays, the slab and chunk address arrays) plus a fixed allowance for
 *                             object headers.
 */
public record IndexStats(
    int shards,
    long series,
    long removedSeries,
    long labelPairs,
    long strings,
    long postingsEntries,
    long offHeapReservedBytes,
    long offHeapUsedBytes,
    long heapBytes)
{
}
