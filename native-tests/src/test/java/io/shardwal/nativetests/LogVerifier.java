package io.shardwal.nativetests;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.RecordAddress;
import io.shardwal.wal.RecoveryReport;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.WalRecord;

/**
 * Reads every record of an open log and checks it against what the writers did and acknowledged:
 * <ul>
 *   <li>every record delivered is intact: key and value exactly as {@link RecordScheme} says its writer wrote
 *       them, in the shard its key routes to, delivered once;</li>
 *   <li>every acknowledged record is there, at the address its append returned;</li>
 *   <li>per writer and shard, records are in the order the writer appended them;</li>
 *   <li>nothing committed is lost: if any record of a writer's operation is there, every earlier operation of that
 *       writer is there whole (it returned before the later one began, and SIGKILL loses nothing committed);</li>
 *   <li>batches are all or nothing per shard; aborted claims never appear;</li>
 *   <li>no record lies inside what recovery reports it repaired, and each shard holds as many records from where
 *       recovery started scanning (the latest checkpoint) as recovery counted;</li>
 *   <li>records are missing only where pruning was asked for: segments are gone only below
 *       {@link #allowPruningBelow the positions pruning was asked to prune below}, and a record is excused for
 *       missing only if it lay below the shard's first remaining position (acknowledged records: their address
 *       says so; others: no earlier record of their writer in their shard is there either).</li>
 * </ul>
 * A CORRUPT error while reading is a problem like any other: nothing corrupt may reach a reader. Problems are
 * collected (the first {@value #MAX_PROBLEMS}), not thrown, so one failure message can show all of them.
 */
final class LogVerifier
{
    static final int MAX_PROBLEMS = 40;

    private final RecordScheme scheme;
    private final AckLog acks;
    private final int writers;
    private final List<String> problems = new ArrayList<>();
    private int problemCount;
    private long[] pruneFloor;
    private boolean holesAllowed;
    private BitSet[] present;
    private long[][] firstSeq;
    private long[][] lastSeq;
    private long[] delivered;
    private long[] deliveredFromScan;
    private long[] firstPosition;
    private long prunedAcknowledged;

    /**
     * @param writers writer ids {@code [0, writers)} were handed to children; no other writer may appear.
     */
    LogVerifier(final RecordScheme scheme, final AckLog acks, final int writers)
    {
        this.scheme = scheme;
        this.acks = acks;
        this.writers = writers;
    }

    /**
     * Pruning was asked for below these positions (per shard; the highest position of every checkpoint a prune
     * named): segments may be gone below them, never above. Without this call no segment may be gone.
     */
    LogVerifier allowPruningBelow(final long[] floor)
    {
        pruneFloor = floor.clone();
        return this;
    }

    /**
     * After a power cut in a mode whose appends do not wait for an msync: a writer's record may be missing while a
     * later one of its records is there (the later one's page reached the disk, the earlier one's did not).
     * Acknowledged records that were made durable must still be there; batches stay all or nothing.
     */
    LogVerifier allowHoles()
    {
        holesAllowed = true;
        return this;
    }

    /** Acknowledged records the last {@link #verify} found legitimately pruned. */
    long prunedAcknowledged()
    {
        return prunedAcknowledged;
    }

    /** What one verification found. */
    record Result(long records, long[] perShard, int problemCount, List<String> problems)
    {
        boolean ok()
        {
            return problemCount == 0;
        }

        String describe()
        {
            return problemCount + " problem(s) in " + records + " records " + Arrays.toString(perShard) + ":\n  "
                + String.join("\n  ", problems) + (problemCount > problems.size() ? "\n  ..." : "");
        }
    }

    /**
     * Verifies {@code wal}, which was just opened for writing (so recovered) with {@code recovery} as its report,
     * or opened read-only ({@code recovery} null: the repair checks are skipped).
     */
    Result verify(final ShardedWal wal, final RecoverySummary recovery)
    {
        final int shards = wal.shardCount();
        present = new BitSet[writers];
        firstSeq = new long[writers][shards];
        lastSeq = new long[writers][shards];
        delivered = new long[shards];
        deliveredFromScan = new long[shards];
        firstPosition = new long[shards];
        prunedAcknowledged = 0;
        for (int w = 0; w < writers; w++)
        {
            present[w] = new BitSet();
            Arrays.fill(firstSeq[w], -1);
            Arrays.fill(lastSeq[w], -1);
        }
        for (int shard = 0; shard < shards; shard++)
        {
            final int s = shard;
            firstPosition[shard] = wal.firstPosition(shard);
            final long allowed = pruneFloor == null ? 0 : pruneFloor[shard];
            if (firstPosition[shard] > allowed)
            {
                problem("shard " + shard + " starts at position " + firstPosition[shard] + ": segments below it are "
                    + "gone, but pruning was only ever asked for below position " + allowed);
            }
            try
            {
                wal.iterShard(shard, 0, Long.MAX_VALUE, record -> onRecord(wal, s, record, recovery));
            }
            catch (final ShardwalException e)
            {
                problem("reading shard " + shard + " failed after " + delivered[shard] + " records: " + e);
            }
            if (recovery != null && recovery.shards().get(shard).records() != deliveredFromScan[shard])
            {
                problem("shard " + shard + ": recovery counted " + recovery.shards().get(shard).records()
                    + " records from position " + recovery.shards().get(shard).scannedFrom() + " but "
                    + deliveredFromScan[shard] + " were delivered there");
            }
        }
        for (int w = 0; w < writers; w++)
        {
            checkWriter(wal, w);
        }
        long total = 0;
        for (final long count : delivered)
        {
            total += count;
        }
        return new Result(total, delivered.clone(), problemCount, List.copyOf(problems));
    }

    /** Whether the last {@link #verify} found {@code writer}'s {@code seq}. */
    boolean present(final int writer, final long seq)
    {
        return writer >= 0 && writer < present.length && seq >= 0 && present[writer].get((int)seq);
    }

    private void onRecord(final ShardedWal wal, final int shard, final WalRecord record,
        final RecoverySummary recovery)
    {
        delivered[shard]++;
        if (recovery != null && record.position() >= recovery.shards().get(shard).scannedFrom())
        {
            deliveredFromScan[shard]++;
        }
        final String where = "shard " + shard + " position " + record.position();
        final RecordScheme.Decoded decoded = scheme.decode(record);
        if (!decoded.ok())
        {
            problem(where + ": delivered a record that was never written: " + decoded.problem());
            return;
        }
        final long writer = decoded.writer();
        final long seq = decoded.seq();
        if (writer >= writers)
        {
            problem(where + ": record of writer " + writer + ", but only writers below " + writers + " ran");
            return;
        }
        final int w = (int)writer;
        final String what = where + " (writer " + w + " seq " + seq + ")";
        if (present[w].get((int)seq))
        {
            problem(what + ": delivered twice");
        }
        present[w].set((int)seq);
        if (wal.shardFor(scheme.key(w, seq)) != shard)
        {
            problem(what + ": its key routes to shard " + wal.shardFor(scheme.key(w, seq)));
        }
        if (seq <= lastSeq[w][shard])
        {
            problem(what + ": out of order, after seq " + lastSeq[w][shard] + " of the same writer");
        }
        lastSeq[w][shard] = seq;
        if (firstSeq[w][shard] == -1)
        {
            firstSeq[w][shard] = seq;
        }
        final long acked = acks.address(w, seq);
        if (acked != -1 && acked != record.address())
        {
            problem(what + ": acknowledged at " + RecordAddress.toString(acked) + " but found here");
        }
        if (recovery != null)
        {
            for (final RecoverySummary.Repair repair : recovery.repairs())
            {
                if (repair.shard() == shard && repair.covers(record.position()))
                {
                    problem(what + ": delivered from inside what recovery repaired: " + repair);
                }
            }
        }
    }

    /** Acknowledged records present, earlier operations whole, batches all or nothing per shard, aborts absent. */
    private void checkWriter(final ShardedWal wal, final int writer)
    {
        final BitSet seen = present[writer];
        final long lastPresent = seen.length() - 1;
        final long end = Math.max(lastPresent + 1, acks.seqLimit(writer));
        final OpPlan plan = new OpPlan(scheme.seed(), writer);
        for (OpPlan.Op op = plan.next(); op.firstSeq() < end; op = plan.next())
        {
            final boolean beforeLast = op.endSeq() <= lastPresent;
            for (long seq = op.firstSeq(); seq < op.endSeq(); seq++)
            {
                final boolean there = seen.get((int)seq);
                if (op.kind() == OpPlan.Kind.ABORTED_CLAIM)
                {
                    if (there)
                    {
                        problem("writer " + writer + " seq " + seq + ": an aborted claim was delivered");
                    }
                }
                else if (!there && pruned(wal, writer, seq))
                {
                    prunedAcknowledged += acks.isAcked(writer, seq) ? 1 : 0;
                }
                else if (!there && acks.isAcked(writer, seq))
                {
                    problem("writer " + writer + " seq " + seq + ": acknowledged at "
                        + RecordAddress.toString(acks.address(writer, seq)) + " and lost");
                }
                else if (!there && beforeLast && !holesAllowed)
                {
                    problem("writer " + writer + " seq " + seq + " (" + op.kind() + " of " + op.size() + "): lost, "
                        + "although seq " + lastPresent + ", appended after it returned, is there");
                }
            }
            if (op.kind() == OpPlan.Kind.BATCH)
            {
                checkBatch(wal, writer, op, seen);
            }
        }
    }

    /**
     * Whether a missing record lay below the first remaining position of its shard: an acknowledged one by its
     * address; another one if no earlier record of its writer in that shard is there (a writer's records in a shard
     * lie in append order, so pruning takes a prefix of them).
     */
    private boolean pruned(final ShardedWal wal, final int writer, final long seq)
    {
        final long acked = acks.address(writer, seq);
        if (acked != -1)
        {
            return RecordAddress.position(acked) < firstPosition[RecordAddress.shard(acked)];
        }
        final int shard = wal.shardFor(scheme.key(writer, seq));
        return firstPosition[shard] > 0 && (firstSeq[writer][shard] == -1 || seq < firstSeq[writer][shard]);
    }

    private void checkBatch(final ShardedWal wal, final int writer, final OpPlan.Op op, final BitSet seen)
    {
        final int[] total = new int[wal.shardCount()];
        final int[] there = new int[wal.shardCount()];
        for (long seq = op.firstSeq(); seq < op.endSeq(); seq++)
        {
            final int shard = wal.shardFor(scheme.key(writer, seq));
            total[shard]++;
            there[shard] += seen.get((int)seq) ? 1 : 0;
        }
        for (int shard = 0; shard < total.length; shard++)
        {
            if (there[shard] != 0 && there[shard] != total[shard])
            {
                problem("writer " + writer + " batch seq " + op.firstSeq() + ".." + (op.endSeq() - 1) + ": "
                    + there[shard] + " of its " + total[shard] + " records in shard " + shard
                    + " survived (torn batch)");
            }
        }
    }

    /**
     * Checks a recovery's repairs: none below {@code floor} (per shard: where the last completed recovery left
     * valid data, so what was already stable) and none over an acknowledged record. Repairs of
     * {@code checkpoints.log} are not about records and are left to the caller.
     */
    List<String> checkRepairs(final RecoverySummary recovery, final long[] floor)
    {
        final List<String> found = new ArrayList<>();
        for (final RecoverySummary.Repair repair : recovery.repairs())
        {
            if (repair.shard() == RecoveryReport.CHECKPOINT_LOG)
            {
                continue;
            }
            if (repair.position() < floor[repair.shard()])
            {
                found.add("repair below the valid end " + floor[repair.shard()] + " that the previous recovery "
                    + "established: " + repair);
            }
            final long[] acked = acks.positionsIn(repair.shard());
            final int index = Arrays.binarySearch(acked, repair.position());
            final int next = index >= 0 ? index : -index - 1;
            if (next < acked.length && repair.covers(acked[next]))
            {
                found.add("repair over the acknowledged record at position " + acked[next] + ": " + repair);
            }
        }
        return found;
    }

    private void problem(final String text)
    {
        problemCount++;
        if (problems.size() < MAX_PROBLEMS)
        {
            problems.add(text);
        }
    }
}
