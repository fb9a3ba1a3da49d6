/**
 * Memory-mapped segment files written through the Foreign Function and Memory API: the native calls
 * (msync, posix_fallocate, madvise), the segment and frame layouts, the many-writer claim-and-commit
 * appender over one segment and the frame reader. This package knows nothing of shards, keys' routing or
 * checkpoints.
 */
package io.shardwal.mmap;
