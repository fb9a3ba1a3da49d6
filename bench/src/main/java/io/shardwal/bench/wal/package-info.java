/**
 * {@link io.shardwal.wal.ShardedWal} benchmarks (issues 3 and 5): ASYNC appends across rolls against the raw limit
 * and Chronicle Queue, the first appends into a new log, the cost of latency recording, STRICT group commit against
 * a per-append msync, 64 writers with random keys against a single-mutex log of the same format, and replay with
 * checksum verification.
 */
package io.shardwal.bench.wal;
