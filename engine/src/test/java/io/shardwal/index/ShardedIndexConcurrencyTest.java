package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.collections.Long2LongHashMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Writers add (and remove) series in program order while readers query. The property users rely on: every result
 * is the state after some prefix of the operations in an order that respects each writer's program order. Each
 * writer's series carry its number and their position in its program, so a reader can check that what it sees of
 * each writer is exactly what that writer had done by some point, never a later series without an earlier one,
 * whichever shards they landed in.
 */
class ShardedIndexConcurrencyTest
{
    private static final int WRITERS = 3;
    private static final int READERS = 2;

    @Test
    void shouldShowEveryReaderAPrefixOfEachWritersAdds() throws InterruptedException
    {
        runAddsOnly(12_000, 16);
    }

    @Test
    void shouldStayConsistentWhileSeriesAreRemovedAndShardsRebuild() throws InterruptedException
    {
        runSlidingWindow(12_000, 500, 8);
    }

    @Test
    @Tag("soak")
    void shouldStayConsistentUnderALongMixedLoad() throws InterruptedException
    {
        runAddsOnly(300_000, 16);
        runSlidingWindow(300_000, 2000, 4);
    }

    /**
     * One writer replaces series {@code v=i} by {@code v=i+1} (add, then remove) while shards rebuild after almost
     * every removal: at any snapshot {@code v} has one value, or two consecutive ones, and never none.
     */
    @Test
    void shouldListTheLabelValuesOfOneSnapshotWhileSeriesAreReplaced() throws InterruptedException
    {
        final IndexOptions options =
            IndexOptions.builder().shardCount(4).compactionMinRemoved(2).compactionRemovedRatio(0.01).build();
        try (ShardedIndex index = new ShardedIndex(options))
        {
            final Queue<String> failures = new ConcurrentLinkedQueue<>();
            final AtomicBoolean writing = new AtomicBoolean(true);
            final AtomicLong listings = new AtomicLong();
            // Added before any reader starts: a listing before the first add would rightly be empty.
            final long first = index.addSeries(Labels.of("v", "0", "w", "x"));
            final Thread writer = Thread.ofPlatform().name("writer").start(() ->
            {
                long previous = first;
                for (int i = 1; i < 10_000; i++)
                {
                    final long id = index.addSeries(Labels.of("v", Integer.toString(i), "w", "x"));
                    index.removeSeries(previous);
                    previous = id;
                }
                writing.set(false);
            });
            final List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < READERS; t++)
            {
                readers.add(Thread.ofPlatform().name("reader-" + t).start(() ->
                {
                    while (writing.get() && failures.isEmpty())
                    {
                        final List<String> values = index.labelValues("v");
                        final int[] v = values.stream().mapToInt(Integer::parseInt).sorted().toArray();
                        if (v.length == 0 || v.length > 2 || (v.length == 2 && v[1] != v[0] + 1))
                        {
                            failures.add("values of v " + values);
                        }
                        final List<String> names = index.labelNames();
                        if (!names.equals(List.of("v", "w")))
                        {
                            failures.add("label names " + names);
                        }
                        listings.incrementAndGet();
                    }
                }));
            }
            assertTrue(writer.join(java.time.Duration.ofMinutes(2)), "writer finished");
            writing.set(false);
            for (final Thread t : readers)
            {
                assertTrue(t.join(java.time.Duration.ofMinutes(1)), "reader finished");
            }
            assertTrue(failures.isEmpty(), () -> failures.size() + " inconsistent listings, first: " + failures.peek());
            assertTrue(listings.get() > 10, "readers listed " + listings.get() + " times during the writes");
            assertEquals(List.of("9999"), index.labelValues("v"));
        }
    }

    private static void runAddsOnly(final int perWriter, final int shards) throws InterruptedException
    {
        final Workload w = new Workload(perWriter);
        try (ShardedIndex index = ShardedIndex.withShards(shards))
        {
            final long[] checks = run(index, w, (writer, i) -> index.addSeries(w.labels[writer][i]),
                result -> checkPrefixes(w, result, 0));
            assertTrue(checks[0] > 10, "readers ran " + checks[0] + " queries during the writes");
            assertEquals((long)WRITERS * perWriter, index.seriesCount());
            index.checkIntegrity();
        }
    }

    private static void runSlidingWindow(final int perWriter, final int window, final int shards)
        throws InterruptedException
    {
        final Workload w = new Workload(perWriter);
        final IndexOptions options = IndexOptions.builder()
            .shardCount(shards).compactionMinRemoved(64).compactionRemovedRatio(0.2).build();
        try (ShardedIndex index = new ShardedIndex(options))
        {
            final long[] checks = run(index, w, (writer, i) ->
            {
                index.addSeries(w.labels[writer][i]);
                if (i >= window)
                {
                    index.removeSeries(w.ids[writer][i - window]);
                }
            }, result -> checkPrefixes(w, result, window));
            assertTrue(checks[0] > 10, "readers ran " + checks[0] + " queries during the writes");
            assertEquals((long)WRITERS * window, index.seriesCount());
            index.checkIntegrity();
        }
    }

    /**
     * Checks that, per writer, the visible positions are exactly those live after some prefix of its program:
     * {@code [0, a)} for adds only; with a sliding window W (step j: add j, then remove j - W) {@code [r, a)} where
     * r is {@code a - W} or {@code a - W - 1} (the remove of the last step not yet done), floored at 0.
     */
    private static String checkPrefixes(final Workload w, final long[] result, final int window)
    {
        final int[] min = new int[WRITERS];
        final int[] max = new int[WRITERS];
        final int[] count = new int[WRITERS];
        java.util.Arrays.fill(min, Integer.MAX_VALUE);
        java.util.Arrays.fill(max, -1);
        for (final long id : result)
        {
            final long position = w.positions.get(id);
            if (position == -1)
            {
                return "unknown id " + SeriesIds.toString(id);
            }
            final int writer = (int)(position >>> 32);
            final int i = (int)position;
            min[writer] = Math.min(min[writer], i);
            max[writer] = Math.max(max[writer], i);
            count[writer]++;
        }
        for (int writer = 0; writer < WRITERS; writer++)
        {
            if (count[writer] == 0)
            {
                continue;
            }
            if (max[writer] - min[writer] + 1 != count[writer])
            {
                return "writer " + writer + ": saw " + count[writer] + " series between positions " + min[writer] +
                    " and " + max[writer] + ", a gap: a later add without an earlier one";
            }
            final int adds = max[writer] + 1;
            if (window == 0 ? min[writer] != 0 :
                min[writer] != Math.max(0, adds - window) && min[writer] != Math.max(0, adds - window - 1))
            {
                return "writer " + writer + ": saw positions " + min[writer] + ".." + max[writer] +
                    ", not the live window after " + adds + " adds";
            }
        }
        return null;
    }

    private static long[] run(
        final ShardedIndex index, final Workload w, final Step step, final Check check) throws InterruptedException
    {
        final Queue<String> failures = new ConcurrentLinkedQueue<>();
        final AtomicBoolean writing = new AtomicBoolean(true);
        final AtomicLong queries = new AtomicLong();
        final CountDownLatch start = new CountDownLatch(1);
        final List<Thread> writers = new ArrayList<>();
        final List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < WRITERS; t++)
        {
            final int writer = t;
            writers.add(Thread.ofPlatform().name("writer-" + t).start(() ->
            {
                await(start);
                try
                {
                    for (int i = 0; i < w.perWriter; i++)
                    {
                        step.apply(writer, i);
                    }
                }
                catch (final RuntimeException e)
                {
                    failures.add("writer " + writer + ": " + e);
                }
            }));
        }
        for (int t = 0; t < READERS; t++)
        {
            final int reader = t;
            readers.add(Thread.ofPlatform().name("reader-" + t).start(() ->
            {
                await(start);
                int round = 0;
                while (writing.get() && failures.isEmpty())
                {
                    try
                    {
                        final Matcher matcher = (round++ + reader) % 2 == 0 ?
                            Matcher.equal("__name__", "m") : Matcher.regex("writer", ".+");
                        final String failure = check.apply(index.findSeries(matcher));
                        if (failure != null)
                        {
                            failures.add("reader " + reader + ", query " + matcher + ": " + failure);
                        }
                        queries.incrementAndGet();
                    }
                    catch (final RuntimeException e)
                    {
                        failures.add("reader " + reader + ": " + e);
                    }
                }
            }));
        }
        start.countDown();
        for (final Thread t : writers)
        {
            assertTrue(t.join(java.time.Duration.ofMinutes(2)), "writer finished");
        }
        writing.set(false);
        for (final Thread t : readers)
        {
            assertTrue(t.join(java.time.Duration.ofMinutes(1)), "reader finished");
        }
        assertTrue(failures.isEmpty(), () -> failures.size() + " inconsistent results, first: " + failures.peek());
        final String last = check.apply(index.findSeries(Matcher.equal("__name__", "m")));
        assertEquals(null, last);
        return new long[] {queries.get()};
    }

    private static void await(final CountDownLatch latch)
    {
        try
        {
            assertTrue(latch.await(1, TimeUnit.MINUTES));
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every writer's label sets and ids, and a map from id to (writer, position), all built before the run. */
    private static final class Workload
    {
        final int perWriter;
        final Labels[][] labels = new Labels[WRITERS][];
        final long[][] ids = new long[WRITERS][];
        final Long2LongHashMap positions;

        Workload(final int perWriter)
        {
            this.perWriter = perWriter;
            positions = new Long2LongHashMap(WRITERS * perWriter * 2, 0.65f, -1);
            for (int writer = 0; writer < WRITERS; writer++)
            {
                labels[writer] = new Labels[perWriter];
                ids[writer] = new long[perWriter];
                for (int i = 0; i < perWriter; i++)
                {
                    labels[writer][i] = Labels.of("__name__", "m", "writer", Integer.toString(writer),
                        "position", Integer.toString(i), "zone", "z" + (i % 7));
                    ids[writer][i] = SeriesIds.hash(labels[writer][i]);
                    positions.put(ids[writer][i], ((long)writer << 32) | i);
                }
            }
        }
    }

    @FunctionalInterface
    private interface Step
    {
        void apply(int writer, int position);
    }

    @FunctionalInterface
    private interface Check
    {
        String apply(long[] result);
    }
}
