package io.shardwal.nativetests;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

import io.shardwal.wal.RecordAddress;

/**
 * What a {@link TailingChild} reported seeing, in the order it saw it: {@code R <shard> <position> <writer> <seq>}
 * lines, fed in by the child's line reader. Thread-safe.
 */
final class TailLog
{
    static final String PREFIX = "R ";

    /** One record a reader saw. */
    record Seen(int shard, long position, int writer, long seq)
    {
    }

    private final List<Seen> seen = new ArrayList<>();

    /** Records an {@code R} line; returns false for other lines. */
    synchronized boolean accept(final String line)
    {
        if (!line.startsWith(PREFIX))
        {
            return false;
        }
        final String[] fields = line.split(" ");
        seen.add(new Seen(Integer.parseInt(fields[1]), Long.parseLong(fields[2]), Integer.parseInt(fields[3]),
            Long.parseLong(fields[4])));
        notifyAll();
        return true;
    }

    synchronized int size()
    {
        return seen.size();
    }

    synchronized List<Seen> seen()
    {
        return List.copyOf(seen);
    }

    /** Waits until at least {@code count} records were seen; returns whether they were within {@code millis}. */
    synchronized boolean awaitAtLeast(final long count, final long millis) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + millis;
        while (seen.size() < count)
        {
            final long left = deadline - System.currentTimeMillis();
            if (left <= 0)
            {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /**
     * Problems with what was seen: a record seen twice, positions of a shard not strictly increasing in the order
     * seen, a record seen at another address than the one acknowledged, an acknowledged record not seen.
     */
    synchronized List<String> check(final AckLog acks, final int shards)
    {
        final List<String> problems = new ArrayList<>();
        final long[] last = new long[shards];
        Arrays.fill(last, -1);
        final List<BitSet> seenSeqs = new ArrayList<>();
        for (final Seen record : seen)
        {
            while (seenSeqs.size() <= record.writer())
            {
                seenSeqs.add(new BitSet());
            }
            if (seenSeqs.get(record.writer()).get((int)record.seq()))
            {
                add(problems, record + ": seen twice");
            }
            seenSeqs.get(record.writer()).set((int)record.seq());
            if (record.position() <= last[record.shard()])
            {
                add(problems, record + ": seen after position " + last[record.shard()] + " of the same shard");
            }
            last[record.shard()] = record.position();
            final long acked = acks.address(record.writer(), record.seq());
            if (acked != -1 && acked != RecordAddress.of(record.shard(), record.position()))
            {
                add(problems, record + ": acknowledged at " + RecordAddress.toString(acked));
            }
        }
        for (int writer = 0; writer < acks.writers(); writer++)
        {
            for (long seq = 0; seq < acks.seqLimit(writer); seq++)
            {
                if (acks.isAcked(writer, seq) && (writer >= seenSeqs.size() || !seenSeqs.get(writer).get((int)seq)))
                {
                    add(problems, "writer " + writer + " seq " + seq + " acknowledged at "
                        + RecordAddress.toString(acks.address(writer, seq)) + " was never seen by the reader");
                }
            }
        }
        return problems;
    }

    private static void add(final List<String> problems, final String problem)
    {
        if (problems.size() < 30)
        {
            problems.add(problem);
        }
    }
}
