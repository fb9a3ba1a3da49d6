package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.shardwal.index.Labels;
import io.shardwal.index.ShardedIndex;
import io.shardwal.ingest.IngestReplay;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;

/**
 * A child JVM ({@link IngestingChild}) sends samples from two threads through the ingest front end, flushing now
 * and then, and is SIGKILLed at a random moment; each run starts by rebuilding its index from the log, as a
 * restarted host would. After every kill the parent recovers the log, replays it into a fresh index and checks that
 * every sample a returned {@code flush()} covered is there once, with its value, and that its series is defined
 * with the labels it was sent with; samples after the last flush may be missing, but none is there twice and none
 * is changed.
 *
 * <p>The pruning campaigns add a child thread that checkpoints and prunes through {@link
 * io.shardwal.ingest.Ingest#pruneBefore} every few tens of milliseconds, so kills also land in the middle of carrying
 * definitions forward and deleting segments. A sample below a checkpoint the child announced may be gone; every
 * flushed sample above it must be there, and every sample left must still have its series defined.
 */
@Slow
class IngestSigkillTest
{
    private static final int DEFAULT_CYCLES = Integer.getInteger("shardwal.ingestCycles", 6);
    private static final int SOAK_CYCLES = Integer.getInteger("shardwal.soakCycles", 100);
    private static final int CYCLES_PER_LOG = 20;
    private static final int THREADS = 2;

    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEveryFlushedSampleAndItsSeriesAfterSigkill(final SyncMode mode) throws InterruptedException
    {
        run(mode, DEFAULT_CYCLES, false);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepTheSeriesOfEverySampleLeftWhenKilledWhilePruning(final SyncMode mode) throws InterruptedException
    {
        run(mode, DEFAULT_CYCLES, true);
    }

    @Soak
    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEveryFlushedSampleThroughASoakOfSigkills(final SyncMode mode) throws InterruptedException
    {
        run(mode, SOAK_CYCLES, false);
    }

    @Soak
    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEverySeriesThroughASoakOfSigkillsWhilePruning(final SyncMode mode) throws InterruptedException
    {
        run(mode, SOAK_CYCLES, true);
    }

    private static void run(final SyncMode mode, final int cycles, final boolean prune) throws InterruptedException
    {
        final long seed = Seeds.seed();
        final Random random = new Random(seed);
        final String context = mode + (prune ? " pruning" : "") + " seed " + seed + " (rerun with -Dshardwal.seed="
            + seed + ")";
        final Path work = Directories.scratch("ingest-sigkill-" + mode + (prune ? "-prune" : ""));
        final Map<Integer, long[]> flushed = new TreeMap<>();
        // Per cycle and thread, the last sample that a prune may have deleted (-1: none).
        final Map<Integer, long[]> prunable = new TreeMap<>();
        final long[] pruned = new long[2];
        long flushedSamples = 0;
        for (int cycle = 0; cycle < cycles; cycle++)
        {
            final Path dir = work.resolve("log-" + cycle / CYCLES_PER_LOG);
            if (cycle % CYCLES_PER_LOG == 0)
            {
                flushed.clear();
                prunable.clear();
            }
            final AtomicLongArray last = new AtomicLongArray(THREADS);
            final AtomicLongArray below = new AtomicLongArray(THREADS);
            for (int t = 0; t < THREADS; t++)
            {
                last.set(t, -1);
                below.set(t, -1);
            }
            final ChildArgs args = new ChildArgs().set("dir", dir).set("mode", mode).set("cycle", cycle)
                .set("threads", THREADS).set("prune", prune ? 1 : 0);
            try (ChildProcess child = ChildProcess.of(IngestingChild.class, work.resolve("crashes"), args.toArray())
                .lineFilter(line -> flushLine(line, last) || pruneLine(line, below, pruned)).start())
            {
                child.awaitLine(line -> line.equals("READY"), Duration.ofSeconds(60));
                // A pruning child lives longer: its first checkpoint comes after PRUNE_EVERY_MILLIS.
                Thread.sleep(prune ? 60 + random.nextInt(440) : 20 + random.nextInt(280));
                child.killAndExpectSigkill();
                child.assertNoCrash();
            }
            final long[] acked = new long[THREADS];
            for (int t = 0; t < THREADS; t++)
            {
                acked[t] = last.get(t);
                flushedSamples += acked[t] + 1;
            }
            flushed.put(cycle, acked);
            final long[] gone = new long[THREADS];
            for (int t = 0; t < THREADS; t++)
            {
                gone[t] = below.get(t);
            }
            if (gone[0] >= 0)
            {
                // This cycle checkpointed: everything earlier cycles wrote lies below its checkpoint.
                prunable.replaceAll((c, limits) -> new long[] {Long.MAX_VALUE, Long.MAX_VALUE});
            }
            prunable.put(cycle, gone);
            check(dir, mode, prune, flushed, prunable, context + ", after cycle " + cycle);
        }
        System.out.println("ingest " + context + ": " + cycles + " kills, " + flushedSamples + " flushed samples"
            + (prune ? ", " + pruned[0] + " segments pruned, " + pruned[1] + " definitions carried" : ""));
        if (prune)
        {
            assertTrue(pruned[0] > 0 && pruned[1] > 0, context + ": no prune deleted a segment holding definitions, "
                + "so the campaign proved nothing: " + pruned[0] + " segments, " + pruned[1] + " definitions");
        }
        assertTrue(flushedSamples >= cycles * (long)IngestingChild.FLUSH_EVERY, context + ": too few samples were "
            + "flushed to prove anything: " + flushedSamples);
        Directories.delete(work);
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
    private static boolean pruneLine(final String line, final AtomicLongArray below, final long[] pruned)
    {
        final String[] parts = line.split(" ");
        if (line.startsWith("K "))
        {
            for (int t = 0; t < THREADS; t++)
            {
                below.accumulateAndGet(t, Long.parseLong(parts[1 + t]), Math::max);
            }
            return true;
        }
        if (line.startsWith("P "))
        {
            synchronized (pruned)
            {
                pruned[0] += Long.parseLong(parts[2]);
                pruned[1] += Long.parseLong(parts[3]);
            }
            return true;
        }
        return false;
    }

    /**
     * Recovers and replays the log; every flushed sample of every cycle of it is there once, intact, defined, but
     * for those a prune may have deleted ({@code prunable}: per cycle and thread, the last sample that may be gone).
     */
    private static void check(final Path dir, final SyncMode mode, final boolean prune,
        final Map<Integer, long[]> flushed, final Map<Integer, long[]> prunable, final String context)
    {
        final Map<Long, BitSet> seen = new ConcurrentHashMap<>();
        final Map<Long, BitSet> orphans = new ConcurrentHashMap<>();
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        try (ShardedWal wal = ShardedWal.open(IngestingChild.options(dir, mode, prune));
            ShardedIndex index = ShardedIndex.withShards(2))
        {
            IngestReplay.replay(wal, index, (shard, position, id, time, value) ->
            {
                final int cycle = (int)(time / 1_000_000_000L);
                final int seq = (int)(time % 1_000_000_000L);
                final int thread = (int)(value / 1_000_000_000.0);
                if (thread < 0 || thread >= THREADS || value != IngestingChild.value(thread, seq))
                {
                    problems.add("shard " + shard + " position " + position + ": sample " + time + " has value "
                        + value + ", which no sender sent with that timestamp");
                    return;
                }
                final long who = (long)cycle * THREADS + thread;
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
            }, 2);
        }
        for (final Map.Entry<Integer, long[]> cycle : flushed.entrySet())
        {
            for (int t = 0; t < THREADS; t++)
            {
                final long who = (long)cycle.getKey() * THREADS + t;
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
    }
}
