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
        run(mode, DEFAULT_CYCLES);
    }

    @Soak
    @ParameterizedTest(name = "{0}")
    @EnumSource(SyncMode.class)
    void shouldKeepEveryFlushedSampleThroughASoakOfSigkills(final SyncMode mode) throws InterruptedException
    {
        run(mode, SOAK_CYCLES);
    }

    private static void run(final SyncMode mode, final int cycles) throws InterruptedException
    {
        final long seed = Seeds.seed();
        final Random random = new Random(seed);
        final String context = mode + " seed " + seed + " (rerun with -Dshardwal.seed=" + seed + ")";
        final Path work = Directories.scratch("ingest-sigkill-" + mode);
        final Map<Integer, long[]> flushed = new TreeMap<>();
        long flushedSamples = 0;
        for (int cycle = 0; cycle < cycles; cycle++)
        {
            final Path dir = work.resolve("log-" + cycle / CYCLES_PER_LOG);
            if (cycle % CYCLES_PER_LOG == 0)
            {
                flushed.clear();
            }
            final AtomicLongArray last = new AtomicLongArray(THREADS);
            for (int t = 0; t < THREADS; t++)
            {
                last.set(t, -1);
            }
            final ChildArgs args = new ChildArgs().set("dir", dir).set("mode", mode).set("cycle", cycle)
                .set("threads", THREADS);
            try (ChildProcess child = ChildProcess.of(IngestingChild.class, work.resolve("crashes"), args.toArray())
                .lineFilter(line -> flushLine(line, last)).start())
            {
                child.awaitLine(line -> line.equals("READY"), Duration.ofSeconds(60));
                Thread.sleep(20 + random.nextInt(280));
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
            check(dir, mode, flushed, context + ", after cycle " + cycle);
        }
        System.out.println("ingest " + context + ": " + cycles + " kills, " + flushedSamples + " flushed samples");
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

    /** Recovers and replays the log; every flushed sample of every cycle of it is there once, intact, defined. */
    private static void check(final Path dir, final SyncMode mode, final Map<Integer, long[]> flushed,
        final String context)
    {
        final Map<Long, BitSet> seen = new ConcurrentHashMap<>();
        final Map<Long, BitSet> orphans = new ConcurrentHashMap<>();
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        try (ShardedWal wal = ShardedWal.open(IngestingChild.options(dir, mode));
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
                final Labels labels = index.getLabels(id);
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
                final int missing = bits.nextClearBit(0);
                if (missing <= upTo)
                {
                    problems.add("cycle " + cycle.getKey() + " thread " + t + ": flushed up to sample " + upTo
                        + " but sample " + missing + " is missing");
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
