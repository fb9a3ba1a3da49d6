package io.shardwal.wal;

/** What {@link ShardedWal#pruneBefore} deleted: segment files across all shards, and their bytes. */
public record PruneResult(int segments, long bytes)
{
}
