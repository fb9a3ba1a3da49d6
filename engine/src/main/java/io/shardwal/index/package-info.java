/**
 * The series index: {@link io.shardwal.index.ShardedIndex} maps label sets ({@link io.shardwal.index.Labels}) to
 * stable 64-bit series ids ({@link io.shardwal.index.SeriesIds}) and answers Prometheus matcher queries
 * ({@link io.shardwal.index.Matcher}) while writers add series from many threads.
 *
 * <p>Storage per shard: label strings interned to int ids; the series table (dense ordinals), series records,
 * postings (a list of sorted ordinals per label pair, or a bitmap for a dense pair: {@code DenseBitmaps}) and the
 * string, name and pair tables in off-heap slabs ({@code SlabArena}, layouts in {@code IndexDescriptor}), addressed
 * through Agrona primitive maps. The heap holds per series one slot of
 * an {@code Int2IntHashMap} (series id to ordinal); the other maps grow per label name or pair, not per series.
 */
package io.shardwal.index;
