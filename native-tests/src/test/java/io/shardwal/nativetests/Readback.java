package io.shardwal.nativetests;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.RecordAddress;
import io.shardwal.wal.ShardedWal;

/**
 * The simple check for logs whose writers did not crash mid-append: the log holds exactly the acknowledged
 * records — each intact ({@link RecordScheme}), once, at the address its append returned — and nothing else.
 */
final class Readback
{
    private static final int MAX_PROBLEMS = 20;

    private Readback()
    {
    }

    /** Problems found (empty if the log holds exactly what {@code acks} says); also counts what was read. */
    static List<String> exactly(final ShardedWal wal, final RecordScheme scheme, final AckLog acks)
    {
        final List<String> problems = new ArrayList<>();
        final BitSet[] found = new BitSet[Math.max(1, acks.writers())];
        for (int w = 0; w < found.length; w++)
        {
            found[w] = new BitSet();
        }
        long read = 0;
        for (int shard = 0; shard < wal.shardCount(); shard++)
        {
            try
            {
                read += wal.iterShard(shard, 0, Long.MAX_VALUE, record ->
                {
                    final RecordScheme.Decoded decoded = scheme.decode(record);
                    final long acked = decoded.ok() ? acks.address((int)decoded.writer(), decoded.seq()) : -1;
                    if (!decoded.ok())
                    {
                        add(problems, record + ": " + decoded.problem());
                    }
                    else if (acked != record.address())
                    {
                        add(problems, record + " (writer " + decoded.writer() + " seq " + decoded.seq() + "): "
                            + (acked == -1 ? "never acknowledged"
                                : "acknowledged at " + RecordAddress.toString(acked)));
                    }
                    else if (found[(int)decoded.writer()].get((int)decoded.seq()))
                    {
                        add(problems, record + ": delivered twice");
                    }
                    else
                    {
                        found[(int)decoded.writer()].set((int)decoded.seq());
                    }
                });
            }
            catch (final ShardwalException e)
            {
                add(problems, "reading shard " + shard + " failed: " + e);
            }
        }
        for (int w = 0; w < acks.writers(); w++)
        {
            for (long seq = 0; seq < acks.seqLimit(w); seq++)
            {
                if (acks.isAcked(w, seq) && !found[w].get((int)seq))
                {
                    add(problems, "writer " + w + " seq " + seq + " acknowledged at "
                        + RecordAddress.toString(acks.address(w, seq)) + " is missing");
                }
            }
        }
        if (!problems.isEmpty())
        {
            problems.add(0, read + " records read, " + acks.total() + " acknowledged; shards " + wal.stats().shards());
        }
        return problems;
    }

    private static void add(final List<String> problems, final String problem)
    {
        if (problems.size() < MAX_PROBLEMS)
        {
            problems.add(problem);
        }
    }
}
