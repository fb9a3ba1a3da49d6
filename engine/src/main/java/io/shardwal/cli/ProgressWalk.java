package io.shardwal.cli;

import java.io.PrintWriter;
import java.util.function.IntFunction;

import io.shardwal.wal.RecordHandler;
import io.shardwal.wal.ShardedWal;

/**
 * A walk over every committed record of a log, shard after shard, with a {@link ProgressBar} over their bytes on
 * stderr once the walk has taken {@link ProgressBar#longWorkNanos}: what {@code stats} and {@code prune --ingest}
 * read through, so that a big log shows how far they are.
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
     * handler {@code handlers} gives for the shard.
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
        long done = 0;
        for (int shard = 0; shard < ends.length; shard++)
        {
            final long first = wal.firstPosition(shard);
            final long committed = ends[shard];
            final long before = done;
            final RecordHandler handler = handlers.apply(shard);
            final long[] records = new long[1];
            wal.iterShard(shard, first, committed, record ->
            {
                handler.onRecord(record);
                if ((++records[0] & (PROGRESS_EVERY - 1)) == 0)
                {
                    bar.update(before + record.position() - first);
                }
            });
            done += committed - first;
            bar.update(done);
        }
        bar.finish(done);
    }
}
