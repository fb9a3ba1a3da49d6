package io.shardwal.wal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import io.shardwal.metrics.LatencySummary;
import io.shardwal.metrics.ShardMetrics;
import io.shardwal.metrics.ShardStats;
import io.shardwal.metrics.WalStats;
import io.shardwal.mmap.ShardwalException;
import org.HdrHistogram.Histogram;

/** The bounded reads of {@link ShardedWal}: a range of one shard, every shard in parallel, and the stats. */
final class WalReads
{
    private static final int POLL_LIMIT = 4096;

    private WalReads()
    {
    }

    static long iterShard(final ShardedWal wal, final int shard, final long from, final long to,
        final RecordHandler handler)
    {
        checkRange(shard, from, to);
        return iterShard(wal, shard, from, to, handler, null);
    }

    /** Refuses a range of {@code shard} to read that starts off a record boundary or ends before it starts. */
    private static void checkRange(final int shard, final long from, final long to)
    {
        Tailer.checkStart(shard, from);
        if (from > to)
        {
            throw new IllegalArgumentException("shard " + shard + ": the range [" + from + ", " + to + ") to read "
                + "ends before it starts");
        }
    }

    /** {@link #iterShard(ShardedWal, int, long, long, RecordHandler)}, telling {@code progress} (if any). */
    private static long iterShard(final ShardedWal wal, final int shard, final long from, final long to,
        final RecordHandler handler, final ProgressLog progress)
    {
        final long end = Math.min(to, wal.committedPosition(shard));
        long delivered = 0;
        try (Tailer tailer = wal.tailer(shard, Math.max(from, wal.firstPosition(shard))).stopAt(end))
        {
            while (tailer.position() < end)
            {
                final long before = tailer.position();
                final int read = tailer.poll(handler, POLL_LIMIT);
                if (progress != null)
                {
                    progress.advanced(tailer.position() - before);
                }
                delivered += read;
                if (read == 0 && tailer.position() < end)
                {
                    // Below the committed frontier every frame is committed for good: reading "not committed"
                    // there means the file changed under the reader.
                    throw new ShardwalException(ShardwalException.Category.CORRUPT, "shard " + shard + " reads as "
                        + "not committed at position " + tailer.position() + ", below its committed end " + end
                        + ": the segment file changed under the reader", wal.segments(shard)
                        .fileFor(tailer.position() - tailer.position() % wal.options().segmentSize()),
                        tailer.position());
                }
            }
        }
        return delivered;
    }

    /**
     * The exception for a batch whose part for {@code failedShard} failed: if earlier shards' parts committed, it
     * says which, and the batch reports those records as appended; if none did, {@code cause} as it is.
     */
    static RuntimeException partialBatch(final WalBatch batch, final boolean[] committed, final int failedShard,
        final RuntimeException cause)
    {
        final StringBuilder shards = new StringBuilder();
        for (int shard = 0; shard < committed.length; shard++)
        {
            if (committed[shard])
            {
                shards.append(shards.isEmpty() ? "" : ", ").append(shard);
            }
        }
        if (shards.isEmpty())
        {
            return cause;
        }
        batch.markAppended();
        final String message = "batch appended in part: the parts for shards [" + shards + "] are committed (their "
            + "records have addresses, see WalBatch.isAppended); the part for shard " + failedShard + " and later "
            + "shards were not written: " + cause.getMessage();
        return cause instanceof ShardwalException failure
            ? new ShardwalException(failure.category(), message, failure.file(), failure.offset(), cause)
            : new IllegalArgumentException(message, cause);
    }

    /** Reads every shard {@code i} over {@code [from[i], to[i])}; both null: every shard whole. */
    static long replay(final ShardedWal wal, final long[] from, final long[] to, final RecordHandler handler,
        final int parallelism)
    {
        if (parallelism < 1)
        {
            throw new IllegalArgumentException("parallelism must be at least 1, not " + parallelism);
        }
        final int shards = wal.shardCount();
        if (from != null && (from.length != shards || to.length != shards))
        {
            throw new IllegalArgumentException("a replay of " + shards + " shards needs " + shards + " starts and "
                + shards + " ends, not " + from.length + " and " + to.length);
        }
        final long[] starts = new long[shards];
        final long[] ends = new long[shards];
        long total = 0;
        for (int i = 0; i < shards; i++)
        {
            if (from != null)
            {
                checkRange(i, from[i], to[i]);
            }
            starts[i] = Math.max(from == null ? 0 : from[i], wal.firstPosition(i));
            ends[i] = Math.min(to == null ? Long.MAX_VALUE : to[i], wal.committedPosition(i));
            total += Math.max(0, ends[i] - starts[i]);
        }
        final int threads = Math.min(parallelism, shards);
        final ProgressLog progress = new ProgressLog("replaying", "replayed", "read", wal.directory(), total, shards,
            threads, wal.options().progressInterval());
        // Once the handler failed for one shard, the others stop at their next record instead of running to the end.
        final AtomicBoolean failed = new AtomicBoolean();
        final RecordHandler guarded = record ->
        {
            if (failed.get())
            {
                throw new ReplayAbandoned();
            }
            handler.onRecord(record);
        };
        try (ExecutorService pool = Executors.newFixedThreadPool(threads,
            Thread.ofPlatform().name("shardwal-replay-", 0).daemon().factory()))
        {
            final List<Future<Long>> results = new ArrayList<>();
            for (int i = 0; i < shards; i++)
            {
                final int shard = i;
                results.add(pool.submit(() ->
                {
                    try
                    {
                        final long read = failed.get() || starts[shard] >= ends[shard] ? 0L
                            : iterShard(wal, shard, starts[shard], ends[shard], guarded, progress);
                        progress.shardDone();
                        return read;
                    }
                    catch (final RuntimeException | Error e)
                    {
                        failed.set(true);
                        throw e;
                    }
                }));
            }
            final long records = join(results);
            progress.finished();
            return records;
        }
    }

    /** Sums the shards' counts, or throws the first failure that is not another shard giving up because of it. */
    private static long join(final List<Future<Long>> results)
    {
        long total = 0;
        RuntimeException failure = null;
        for (final Future<Long> result : results)
        {
            try
            {
                total += WalLifecycle.join(result);
            }
            catch (final ReplayAbandoned abandoned)
            {
                // another shard's failure ended this one: that failure is reported
            }
            catch (final RuntimeException e)
            {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null)
        {
            throw failure;
        }
        return total;
    }

    /** Ends a shard's replay after the handler failed in another shard. */
    private static final class ReplayAbandoned extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        ReplayAbandoned()
        {
            super(null, null, false, false);
        }
    }

    static WalStats stats(final ShardedWal wal, final Shard[] shards, final ShardMetrics[] metrics,
        final ShardSegments[] segments)
    {
        final List<ShardStats> perShard = new ArrayList<>(segments.length);
        final Histogram appends = ShardMetrics.newTotal();
        final Histogram msyncs = ShardMetrics.newTotal();
        for (int i = 0; i < segments.length; i++)
        {
            if (shards != null)
            {
                perShard.add(shards[i].stats(appends, msyncs));
                continue;
            }
            segments[i].relist(); // the writer may have rolled or pruned since: count the files there are now
            final long committed = wal.committedPosition(i);
            final long claimed = ReadOnlyFrontier.claimed(segments[i], committed);
            perShard.add(metrics[i].snapshot(committed, claimed, -1, segments[i].count(), appends, msyncs));
        }
        // A read-only open does not know the writer's sync mode: the manifest does not hold it.
        final String syncMode = wal.isReadOnly() ? "unknown" : wal.options().syncMode().name();
        return new WalStats(Instant.now(), wal.directory().toString(), syncMode,
            wal.options().latencyRecording(), perShard,
            LatencySummary.of(appends, perShard.stream().mapToLong(s -> s.appendLatency().sumNanos()).sum()),
            LatencySummary.of(msyncs, perShard.stream().mapToLong(s -> s.msyncLatency().sumNanos()).sum()));
    }
}
