package io.shardwal.nativetests;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import io.shardwal.wal.SyncMode;

/**
 * A line filter for an {@link AppendingChild} under power cuts: passes to the {@link AckLog} only the records that
 * were durable when acknowledged, as README's table promises per sync mode — every record in STRICT; in BATCH_ONLY
 * the records of batches; and any record whose ack line came before an {@code SB} line whose {@code SE} followed
 * (a {@code sync()} that began after the append returned, and returned). Other acks wait for such a sync, and are
 * never required if none comes.
 *
 * <p><b>Threads.</b> Called on the child's stdout reader thread; the lines of one child arrive in the order printed.
 */
final class DurableAcks implements Predicate<String>
{
    private final SyncMode mode;
    private final long seed;
    private final AckLog acks;
    private final List<String> waiting = new ArrayList<>();
    /** How many of {@link #waiting} the running sync covers; -1 if none runs. */
    private int covered = -1;
    private final Map<Integer, OpPlan> plans = new HashMap<>();
    private final Map<Integer, OpPlan.Op> currentOps = new HashMap<>();

    DurableAcks(final SyncMode mode, final long seed, final AckLog acks)
    {
        this.mode = mode;
        this.seed = seed;
        this.acks = acks;
    }

    @Override
    public synchronized boolean test(final String line)
    {
        if (line.equals("SB"))
        {
            covered = waiting.size();
            return true;
        }
        if (line.equals("SE"))
        {
            if (covered >= 0)
            {
                final List<String> synced = waiting.subList(0, covered);
                synced.forEach(acks::accept);
                synced.clear();
                covered = -1;
            }
            return true;
        }
        if (!line.startsWith(AckLog.PREFIX))
        {
            return false;
        }
        if (mode == SyncMode.STRICT || mode == SyncMode.BATCH_ONLY && inBatch(line))
        {
            return acks.accept(line);
        }
        waiting.add(line);
        return true;
    }

    /**
     * The power was cut and the child is gone (every line it printed taken in): acks still waiting for a sync were
     * not made durable, and no sync of a later child covers them.
     */
    synchronized void powerCut()
    {
        waiting.clear();
        covered = -1;
    }

    /** Whether the acknowledged record is one of a batch, by its writer's {@link OpPlan}. */
    private boolean inBatch(final String line)
    {
        final String[] fields = line.split(" ");
        final int writer = Integer.parseInt(fields[1]);
        final long seq = Long.parseLong(fields[2]);
        final OpPlan plan = plans.computeIfAbsent(writer, w -> new OpPlan(seed, w));
        OpPlan.Op op = currentOps.get(writer);
        while (op == null || op.endSeq() <= seq)
        {
            op = plan.next();
        }
        currentOps.put(writer, op);
        return op.kind() == OpPlan.Kind.BATCH;
    }
}
