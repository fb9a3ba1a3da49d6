package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import io.shardwal.index.Labels;
import io.shardwal.index.ShardedIndex;
import io.shardwal.ingest.IngestReplay;
import io.shardwal.wal.ShardedWal;

/**
 * What the {@link IngestingChild}ren of one log promised ({@code F} lines: flushed up to a sample; {@code K} lines:
 * samples a prune may delete), and the check of the recovered log against it. Shared by {@link IngestSigkillTest}
 * and {@link IngestPowerLossTest}: they stop the child differently (a kill, a power cut), but the promise of a
 * returned flush and what a prune may take are the same, so one ledger decides both.
 *
 * <p><b>Threads.</b> The line filter of a cycle runs on the child's stdout reader thread; everything else on the
 * test's thread: the waits while the child runs (they read only what the filter publishes atomically), the rest
 * after the child is gone and every line it printed was read.
 */
final class IngestLedger
{
    private final int threads;
    /** Per cycle of the current log and thread, the last flushed sample (-1: none). */
    private final Map<Integer, long[]> flushed = new TreeMap<>();
    /** Per cycle of the current log and thread, the last sample that a prune may have deleted (-1: none). */
    private final Map<Integer, long[]> prunable = new TreeMap<>();
    /** Segments deleted and definitions carried by the prunes of every child. */
    private final long[] pruned = new long[2];
    private AtomicLongArray last;
    private AtomicLongArray below;
    private long flushedSamples;

    IngestLedger(final int threads)
    {
        this.threads = threads;
    }

    /** A new, empty log: what earlier logs promised no longer applies. */
    void newLog()
    {
        flushed.clear();
        prunable.clear();
    }

    /** Starts a cycle; returns the line filter for its child, which consumes the {@code F}, {@code K}, {@code P}. */
    Predicate<String> startCycle()
    {
        final AtomicLongArray lastFlushed = new AtomicLongArray(threads);
        final AtomicLongArray lastBelow = new AtomicLongArray(threads);
        for (int t = 0; t < threads; t++)
        {
            lastFlushed.set(t, -1);
            lastBelow.set(t, -1);
        }
        last = lastFlushed;
        below = lastBelow;
        return line -> flushLine(line, lastFlushed) || pruneLine(line, lastBelow);
    }

    /** The child of {@code cycle} is gone and every line it printed was read: takes in what it promised. */
    void endCycle(final int cycle)
    {
        final long[] acked = new long[threads];
        final long[] gone = new long[threads];
        for (int t = 0; t < threads; t++)
        {
            acked[t] = last.get(t);
            flushedSamples += acked[t] + 1;
            gone[t] = below.get(t);
        }
        flushed.put(cycle, acked);
        if (gone[0] >= 0)
        {
            // This cycle checkpointed: everything earlier cycles wrote lies below its checkpoint.
            prunable.replaceAll((c, limits) ->
            {
                final long[] all = new long[threads];
                Arrays.fill(all, Long.MAX_VALUE);
                return all;
            });
        }
        prunable.put(cycle, gone);
    }

    /**
     * Waits until the child of the current cycle said it flushed (a cut before that would prove nothing about
     * flushes); fails if it exits or the time runs out first.
     */
    void awaitFirstFlush(final ChildProcess child, final Duration timeout, final String where)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!flushedInCycle())
        {
            if (!child.isAlive() || System.nanoTime() - deadline > 0)
            {
                throw new AssertionError(where + "the child flushed nothing within " + timeout + "\n"
                    + child.describe());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /**
     * Waits until a prune of the running child deleted segments (its {@code P} line came), for a cut right after
     * one: the window in which the deletion is durable and definitions carried out of the deleted segments must be
     * too. Returns false (without failing) if none came within {@code timeout}.
     */
    boolean awaitPrune(final ChildProcess child, final Duration timeout)
    {
        final long before = prunedSegments();
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (prunedSegments() == before)
        {
            if (!child.isAlive() || System.nanoTime() - deadline > 0)
            {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return true;
    }

    private synchronized long prunedSegments()
    {
        return pruned[0];
    }

    private boolean flushedInCycle()
    {
        for (int t = 0; t < threads; t++)
        {
            if (last.get(t) >= 0)
            {
                return true;
            }
        }
        return false;
    }

    /** Whether a child of the current log said it flushed a sample. */
    boolean flushedInLog()
    {
        return flushed.values().stream().flatMapToLong(Arrays::stream).anyMatch(seq -> seq >= 0);
    }

    /** Samples the children said were flushed, over every cycle of every log. */
    long flushedSamples()
    {
        return flushedSamples;
    }

    /** What the children flushed and (with {@code prune}) pruned, for the run's summary. */
    synchronized String summary(final boolean prune)
    {
        return flushedSamples + " flushed samples" + (prune ? ", " + pruned[0] + " segments pruned, " + pruned[1]
            + " definitions carried" : "");
    }

    /**
     * Fails if the children of {@code cycles} cycles flushed too little, or (with {@code prune}) no prune deleted a
     * segment holding definitions: the run would have proved nothing.
     */
    synchronized void assertProvedSomething(final int cycles, final boolean prune, final String context)
    {
        if (prune)
        {
            assertTrue(pruned[0] > 0 && pruned[1] > 0, context + ": no prune deleted a segment holding definitions, "
                + "so the campaign proved nothing: " + pruned[0] + " segments, " + pruned[1] + " definitions");
        }
        assertTrue(flushedSamples >= cycles * (long)IngestingChild.FLUSH_EVERY, context + ": too few samples were "
            + "flushed to prove anything: " + flushedSamples);
    }

    private static boolean flushLine(final String line, final AtomicLongArray last)
    {
        if (!line.startsWith("F "))
        {
            return false;
        }
        final String[] parts = line.split(" ");
        last.accumulateAndGet(Integer.parseInt(parts[1]), Long.parseLong(parts[2]), Math::max);
        return true;
    }

    /** {@code K <s0> <s1>}: per thread, the last sample that may lie below the checkpoint just made. */
    private boolean pruneLine(final String line, final AtomicLongArray below)
    {
        final String[] parts = line.split(" ");
        if (line.startsWith("K "))
        {
            for (int t = 0; t < threads; t++)
            {
                below.accumulateAndGet(t, Long.parseLong(parts[1 + t]), Math::max);
            }
            return true;
        }
        if (line.startsWith("P "))
        {
            synchronized (this)
            {
                pruned[0] += Long.parseLong(parts[2]);
                pruned[1] += Long.parseLong(parts[3]);
            }
            return true;
        }
        return false;
    }

    /**
     * Replays the recovered {@code wal}: every flushed sample of every cycle of the current log is there once,
     * intact, defined with the labels it was sent with, but for those a prune may have deleted; no sample is there
     * twice or with another value. Fails with the first problems (prefixed with {@code context}); returns how many
     * samples the log holds.
     */
    long check(final ShardedWal wal, final String context)
    {
        final Map<Long, BitSet> seen = new ConcurrentHashMap<>();
        final Map<Long, BitSet> orphans = new ConcurrentHashMap<>();
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        final long samples;
        try (ShardedIndex index = ShardedIndex.withShards(2))
        {
            samples = IngestReplay.replay(wal, index, (shard, position, id, time, value) ->
            {
                final int cycle = (int)(time / 1_000_000_000L);
                final int seq = (int)(time % 1_000_000_000L);
                final int thread = (int)(value / 1_000_000_000.0);
                if (thread < 0 || thread >= threads || value != IngestingChild.value(thread, seq))
                {
                    problems.add("shard " + shard + " position " + position + ": sample " + time + " has value "
                        + value + ", which no sender sent with that timestamp");
                    return;
                }
                final long who = (long)cycle * threads + thread;
                final BitSet bits = seen.computeIfAbsent(who, k -> new BitSet());
                synchronized (bits)
                {
                    if (bits.get(seq))
                    {
                        problems.add("cycle " + cycle + " thread " + thread + " sample " + seq + " is in the log "
                            + "twice (again at shard " + shard + " position " + position + ")");
                    }
                    bits.set(seq);
                }
                // getLabels refuses an id the index does not hold: a sample of a series with no definition left.
                final Labels labels = index.contains(id) ? index.getLabels(id) : null;
                if (labels == null)
                {
                    final BitSet lost = orphans.computeIfAbsent(who, k -> new BitSet());
                    synchronized (lost)
                    {
                        lost.set(seq);
                    }
                }
                else if (!labels.equals(IngestingChild.series(thread, seq)))
                {
                    problems.add("shard " + shard + " position " + position + ": sample " + seq + " of cycle "
                        + cycle + " thread " + thread + " belongs to " + labels + ", not "
                        + IngestingChild.series(thread, seq));
                }
            }, 2).samples();
        }
        for (final Map.Entry<Integer, long[]> cycle : flushed.entrySet())
        {
            for (int t = 0; t < threads; t++)
            {
                final long who = (long)cycle.getKey() * threads + t;
                final BitSet bits = seen.getOrDefault(who, new BitSet());
                final int upTo = (int)cycle.getValue()[t];
                final long gone = prunable.get(cycle.getKey())[t];
                final int missing = gone >= upTo ? Integer.MAX_VALUE : bits.nextClearBit((int)gone + 1);
                if (missing <= upTo)
                {
                    problems.add("cycle " + cycle.getKey() + " thread " + t + ": flushed up to sample " + upTo
                        + " but sample " + missing + " is missing" + (gone >= 0 ? " (a prune may have deleted the "
                        + "samples up to " + gone + ")" : ""));
                }
                final BitSet lost = orphans.getOrDefault(who, new BitSet());
                final int orphan = lost.nextSetBit(0);
                if (orphan >= 0 && orphan <= upTo)
                {
                    problems.add("cycle " + cycle.getKey() + " thread " + t + ": flushed sample " + orphan
                        + " has no series definition in the log");
                }
            }
        }
        assertTrue(problems.isEmpty(), context + ":\n  " + String.join("\n  ", problems.subList(0,
            Math.min(20, problems.size()))));
        return samples;
    }
}
