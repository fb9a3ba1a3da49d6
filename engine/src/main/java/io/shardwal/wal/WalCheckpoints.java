package io.shardwal.wal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.checkpoint.CheckpointDescriptor;
import io.shardwal.checkpoint.CheckpointLog;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.mmap.Uninterrupted;

/**
 * Checkpoints of a writable log: consistent cuts across all shards, pruning below them, and compaction of the
 * checkpoint log.
 *
 * <p>A checkpoint is created under the checkpoint log's lock, so checkpoints are recorded in the order their
 * positions were taken and recorded positions never go backwards. For each shard it waits until every append
 * claimed before the call has committed (or the commit-wait timeout passes: TIMEOUT naming the shard and the
 * stuck position), records the committed frontier, msyncs the shard up to it (in every sync mode), then appends
 * the entry to {@code checkpoints.log} (forced) and replaces HEAD.
 *
 * <p>Creation and pruning run with the caller's interrupt set aside ({@link Uninterrupted}) and restored after: an
 * interrupt would otherwise fail them half way (segment files deleted but the directory not synced, an entry written
 * but HEAD not replaced) and report IO for what happened, and the commit wait would spin instead of parking.
 *
 * <p><b>Threads.</b> Thread-safe; creation, compaction and pruning are serialised, appends are never blocked.
 */
final class WalCheckpoints
{
    private final Path directory;
    private final Shard[] shards;
    private final CheckpointLog log;
    private final Duration commitWait;

    WalCheckpoints(final Path directory, final Shard[] shards, final CheckpointLog log, final Duration commitWait)
    {
        this.directory = directory;
        this.shards = shards;
        this.log = log;
        this.commitWait = commitWait;
    }

    CheckpointLog log()
    {
        return log;
    }

    Checkpoint create(final byte[] id) throws IOException
    {
        CheckpointDescriptor.checkId(id);
        if (log.contains(id))
        {
            throw new IllegalArgumentException("checkpoint id " + Checkpoint.idText(id) + " already exists; ids are "
                + "unique (choose another, or compact it away first)");
        }
        return Uninterrupted.call(() -> log.locked(() ->
        {
            final long[] positions = new long[shards.length];
            for (int i = 0; i < shards.length; i++)
            {
                positions[i] = committedAfterEarlierClaims(shards[i]);
            }
            for (final Shard shard : shards)
            {
                shard.awaitDurable();
            }
            final Instant now = Instant.now();
            return log.append(id, now.getEpochSecond() * 1_000_000_000L + now.getNano(), positions);
        }));
    }

    /** Waits until everything claimed in {@code shard} before this call has committed; returns the frontier. */
    private long committedAfterEarlierClaims(final Shard shard)
    {
        shard.checkWritable();
        final long claimed = shard.claimedPosition();
        final long deadline = System.nanoTime() + commitWait.toNanos();
        long parkNanos = 1_000;
        while (true)
        {
            final long committed = shard.advanceCommitted();
            if (committed >= claimed)
            {
                return committed;
            }
            if (System.nanoTime() > deadline)
            {
                throw new ShardwalException(ShardwalException.Category.TIMEOUT, "checkpoint waited "
                    + commitWait.toMillis() + " ms for the append claimed at position " + committed + " of shard "
                    + shard.id + " to commit (an open WalClaim, or a writer stuck between claim and commit)",
                    shard.segments().directory(), committed);
            }
            LockSupport.parkNanos(parkNanos);
            parkNanos = Math.min(parkNanos * 2, TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /**
     * Deletes, in every shard, the segments that lie wholly below the checkpoint's position and that the writer no
     * longer needs (never the active or a prepared segment), oldest first, then syncs each shard directory.
     * Tailers reading a pruned segment keep their mapping; opening one afterwards fails with PRUNED. A log with a
     * {@link PruneGuard} is pruned only by its owner ({@code pruner}; null for a plain prune).
     */
    PruneResult pruneBefore(final byte[] id, final String pruner) throws IOException
    {
        final Checkpoint checkpoint = log.require(id);
        return Uninterrupted.call(() -> log.locked(() ->
        {
            PruneGuard.read(directory).ifPresent(guard -> guard.checkPrunableBy(pruner, directory));
            int deleted = 0;
            long bytes = 0;
            for (final Shard shard : shards)
            {
                final ShardSegments segments = shard.segments();
                final long limit = Math.min(checkpoint.position(shard.id), shard.durablePosition());
                boolean changed = false;
                for (final long base : segments.bases())
                {
                    if (base + shard.segmentSize() > limit || segments.pinned(base) != null)
                    {
                        break;
                    }
                    final Path file = segments.remove(base);
                    bytes += Files.size(file);
                    Files.delete(file);
                    deleted++;
                    changed = true;
                }
                if (changed)
                {
                    MappedSegment.syncDirectory(segments.directory());
                }
            }
            return new PruneResult(deleted, bytes);
        }));
    }

    CheckpointLog.Compaction compact(final int keep) throws IOException
    {
        return log.compact(keep);
    }

    List<Checkpoint> list()
    {
        return log.list();
    }
}
