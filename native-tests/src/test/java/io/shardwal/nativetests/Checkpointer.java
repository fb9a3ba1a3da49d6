package io.shardwal.nativetests;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.checkpoint.CheckpointLog;
import io.shardwal.wal.PruneResult;
import io.shardwal.wal.ShardedWal;

/**
 * The checkpoint thread of an {@link AppendingChild}: while the writers append, it creates checkpoints in a loop
 * and now and then compacts the checkpoint log or prunes below one of its checkpoints, one operation at a time, and
 * prints a line before each operation begins and one after it returned ({@link CheckpointLedger} reads them):
 *
 * <pre>
 *   CB id                        creating checkpoint id begins
 *   CK id timestampNanos p0 p1 ...   createCheckpoint returned this checkpoint (acknowledged)
 *   MB keep                      compactCheckpoints(keep) begins
 *   ME before after              it returned: entries before and after
 *   PB id                        pruneBefore(id) begins
 *   PE segments bytes            it returned
 * </pre>
 *
 * Ids are {@code cp-<child>-<n>}, unique in the log over all children. What to do next, the pauses, {@code keep}
 * and the checkpoint to prune below come from a generator seeded by the parent, so a failure can be replayed.
 * Any exception fails the child ({@code X ...}).
 */
final class Checkpointer implements Runnable
{
    private final ShardedWal wal;
    private final String idPrefix;
    private final SplittableRandom random;
    private final long meanPauseNanos;
    private int created;

    /**
     * @param child     a number no other child of this log uses (the parent passes the child's first writer id).
     * @param meanPause mean pause between operations, in microseconds (pauses are uniform in [0, 2 * mean]).
     */
    Checkpointer(final ShardedWal wal, final int child, final long seed, final long meanPause)
    {
        this.wal = wal;
        this.idPrefix = "cp-" + child + "-";
        this.random = new SplittableRandom(RecordScheme.mix(seed ^ RecordScheme.mix(child + 0x43504B54L)));
        this.meanPauseNanos = TimeUnit.MICROSECONDS.toNanos(meanPause);
    }

    @Override
    public void run()
    {
        try
        {
            while (true)
            {
                LockSupport.parkNanos(random.nextLong(2 * meanPauseNanos + 1));
                final int draw = random.nextInt(100);
                final List<Checkpoint> checkpoints = wal.listCheckpoints();
                if (draw < 12 && !checkpoints.isEmpty())
                {
                    compact();
                }
                else if (draw < 24 && !checkpoints.isEmpty())
                {
                    // Half the time the oldest: segments between it and the newest must survive.
                    prune(checkpoints.get(random.nextBoolean() ? 0 : random.nextInt(checkpoints.size())));
                }
                else
                {
                    create();
                }
            }
        }
        catch (final Throwable t)
        {
            ChildOutput.fail("checkpointer", t, 3);
        }
    }

    private void create()
    {
        final String id = idPrefix + created++;
        ChildOutput.line("CB " + id);
        final Checkpoint checkpoint = wal.createCheckpoint(id);
        final StringBuilder line = new StringBuilder("CK ").append(checkpoint.idText()).append(' ')
            .append(checkpoint.timestampNanos());
        for (final long position : checkpoint.positions())
        {
            line.append(' ').append(position);
        }
        ChildOutput.line(line.toString());
    }

    /** Keeps 1 to 5 entries, now and then none at all (recovery then starts from the first segments again). */
    private void compact()
    {
        final int keep = random.nextInt(8) == 0 ? 0 : 1 + random.nextInt(5);
        ChildOutput.line("MB " + keep);
        final CheckpointLog.Compaction compaction = wal.compactCheckpoints(keep);
        ChildOutput.line("ME " + compaction.before() + " " + compaction.after());
    }

    private void prune(final Checkpoint below)
    {
        ChildOutput.line("PB " + below.idText());
        final PruneResult result = wal.pruneBefore(below.id());
        ChildOutput.line("PE " + result.segments() + " " + result.bytes());
    }
}
