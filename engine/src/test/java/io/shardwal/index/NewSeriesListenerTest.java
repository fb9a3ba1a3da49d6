package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

/** Who is told that an add indexed a new series: the ingest front end writes a series' definition on that. */
class NewSeriesListenerTest
{
    private static final int SERIES = 2_000;

    private static Labels series(final int i)
    {
        return Labels.of("__name__", "m" + (i % 13), "host", "h" + i);
    }

    @Test
    void shouldTellExactlyOneOfConcurrentAddsOfANewSeriesAndNoReAdd() throws Exception
    {
        final int threads = 4;
        final Map<Long, Integer> told = new ConcurrentHashMap<>();
        try (ShardedIndex index = ShardedIndex.withShards(3);
            ExecutorService pool = Executors.newFixedThreadPool(threads))
        {
            final CyclicBarrier start = new CyclicBarrier(threads);
            final List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                done.add(pool.submit(() ->
                {
                    start.await();
                    for (int round = 0; round < 2; round++)
                    {
                        for (int i = 0; i < SERIES; i++)
                        {
                            final Labels labels = series(i);
                            final long id = index.addSeries(labels, (newId, newLabels) ->
                            {
                                assertEquals(labels, newLabels);
                                told.merge(newId, 1, Integer::sum);
                            });
                            assertEquals(SeriesIds.hash(labels), id);
                        }
                    }
                    return null;
                }));
            }
            for (final Future<?> f : done)
            {
                f.get();
            }
            assertEquals(SERIES, told.size(), "every new series is told");
            assertTrue(told.values().stream().allMatch(n -> n == 1), "told more than once: " + told);
            index.addSeries(series(7), (id, labels) -> told.merge(id, 100, Integer::sum));
            assertEquals(1, told.get(SeriesIds.hash(series(7))), "a known series is not told");
        }
    }

    @Test
    void shouldTellAnIndexWithoutItsOwnImplementationAtLeastOnce()
    {
        final ReferenceIndex index = new ReferenceIndex(-1L);
        final Map<Long, Integer> told = new ConcurrentHashMap<>();
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < 50; i++)
            {
                index.addSeries(series(i), (id, labels) -> told.merge(id, 1, Integer::sum));
            }
        }
        assertEquals(50, told.size());
        assertTrue(told.values().stream().allMatch(n -> n == 1), "a single thread's re-adds are not told: " + told);
    }
}
