package io.shardwal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import io.shardwal.mmap.ParallelWork;
import io.shardwal.wal.RecordHandler;
import io.shardwal.wal.ShardedWal;

/**
 * A walk over every committed record of a log, its shards in parallel (one thread per processor, at most one per
 * shard), with a {@link ProgressBar} over their bytes on stderr once the walk has taken
 * {@link ProgressBar#longWorkNanos}: what {@code stats} and {@code prune --ingest} read through, so that a big log
 * shows how far they are.
 */
final class ProgressWalk
{
    /** Records between progress updates (a power of two). */
    private static final int PROGRESS_EVERY = 4096;

    private ProgressWalk()
    {
    }

    /**
     * Hands the records of every shard, from its first position to {@code ends[shard]} (committed positions), to the
     * handler {@code handlers} gives for the shard. Shards are walked in parallel: each shard's handler is called by
     * one thread at a time, in position order, but the handlers of different shards run at once.
     */
    static void walk(final ShardedWal wal, final long[] ends, final PrintWriter err, final boolean terminal,
        final String label, final IntFunction<RecordHandler> handlers)
    {
        long total = 0;
        for (int shard = 0; shard < ends.length; shard++)
        {
            total += ends[shard] - wal.firstPosition(shard);
        }
        final ProgressBar bar = new ProgressBar(err, terminal, label, total, ProgressBar.Unit.BYTES,
            ProgressBar.longWorkNanos);
        final AtomicLong done = new AtomicLong();
        try
        {
            ParallelWork.run(ends.length, Runtime.getRuntime().availableProcessors(), "shardwal-walk", shard ->
            {
                final long first = wal.firstPosition(shard);
                final long committed = ends[shard];
                final RecordHandler handler = handlers.apply(shard);
                final long[] walked = new long[2]; // records, bytes counted in done
                wal.iterShard(shard, first, committed, record ->
                {
                    handler.onRecord(record);
                    if ((++walked[0] & (PROGRESS_EVERY - 1)) == 0)
                    {
                        progressed(bar, done, record.position() - first - walked[1]);
                        walked[1] = record.position() - first;
                    }
                });
                progressed(bar, done, committed - first - walked[1]);
            });
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e); // reading records throws no IOException: not reached
        }
        bar.finish(done.get());
    }

    /** Adds a shard's {@code bytes} to {@code done} and shows the total, which only grows on the bar. */
    private static void progressed(final ProgressBar bar, final AtomicLong done, final long bytes)
    {
        done.addAndGet(bytes);
        synchronized (bar)
        {
            bar.update(done.get());
        }
    }
}
