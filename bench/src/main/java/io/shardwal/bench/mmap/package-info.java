/**
 * Benchmarks of shardwal's {@code mmap} layer: the many-writer {@link io.shardwal.mmap.SegmentAppender} over one
 * {@link io.shardwal.mmap.MappedSegment}, copying and zero-copy, the parts of one append, and what preparing a new
 * segment's pages costs.
 */
package io.shardwal.bench.mmap;
