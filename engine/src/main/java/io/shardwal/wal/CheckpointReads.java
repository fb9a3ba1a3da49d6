package io.shardwal.wal;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.mmap.ShardwalException;

/**
 * The reads of {@link ShardedWal} that start at a checkpoint. Each first makes sure the records above the
 * checkpoint are all still on disk: a plain range read starts at the oldest segment when asked for less, which
 * would skip pruned records without a word.
 */
final class CheckpointReads
{
    private CheckpointReads()
    {
    }

    static long replayFrom(final ShardedWal wal, final byte[] checkpointId, final RecordHandler handler)
    {
        final Checkpoint checkpoint = wal.loadCheckpoint(checkpointId);
        for (int shard = 0; shard < wal.shardCount(); shard++)
        {
            checkNotPruned(wal, checkpoint, shard);
        }
        long delivered = 0;
        for (int shard = 0; shard < wal.shardCount(); shard++)
        {
            delivered += wal.iterShard(shard, checkpoint.position(shard), Long.MAX_VALUE, handler);
        }
        return delivered;
    }

    static long iterShard(final ShardedWal wal, final int shard, final byte[] fromCheckpoint,
        final byte[] toCheckpoint, final RecordHandler handler)
    {
        wal.checkShard(shard);
        final Checkpoint from = wal.loadCheckpoint(fromCheckpoint);
        final Checkpoint to = wal.loadCheckpoint(toCheckpoint);
        if (from.position(shard) > to.position(shard))
        {
            throw new IllegalArgumentException("checkpoint " + from.idText() + " lies after " + to.idText()
                + " in shard " + shard + " (" + from.position(shard) + " > " + to.position(shard) + ")");
        }
        checkNotPruned(wal, from, shard);
        return wal.iterShard(shard, from.position(shard), to.position(shard), handler);
    }

    private static void checkNotPruned(final ShardedWal wal, final Checkpoint checkpoint, final int shard)
    {
        final long first = wal.firstPosition(shard);
        final long position = checkpoint.position(shard);
        if (position < first)
        {
            final long segmentSize = wal.options().segmentSize();
            throw new ShardwalException(ShardwalException.Category.PRUNED, "checkpoint " + checkpoint.idText()
                + " puts shard " + shard + " at position " + position + ", but the records there were pruned: the "
                + "oldest segment starts at " + first, wal.segments(shard).fileFor(position - position % segmentSize),
                ShardwalException.NO_OFFSET);
        }
    }
}
