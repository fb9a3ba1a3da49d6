package io.shardwal.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.shardwal.index.Labels;
import io.shardwal.index.Matcher;
import io.shardwal.index.SeriesIds;
import io.shardwal.index.ShardedIndex;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/** What the ingest front end writes, when, and what it tells its senders when it cannot. */
class IngestTest
{
    private static final Duration NEVER = Duration.ofHours(1);

    @TempDir
    Path dir;

    private ShardedWal openWal()
    {
        return ShardedWal.open(WalOptions.builder(dir).shardCount(4).segmentSize(1 << 16).syncMode(SyncMode.BATCH_ONLY)
            .build());
    }

    private static Labels series(final int i)
    {
        return Labels.of("__name__", "cpu_" + (i % 7), "host", "h" + i, "region", i % 2 == 0 ? "eu" : "us");
    }

    /** One sent sample as replay delivers it. */
    private record Point(long id, long time, double value)
    {
    }

    private static Map<Point, Integer> replayed(final Path dir, final ShardedIndex index)
    {
        final Map<Point, Integer> points = new ConcurrentHashMap<>();
        try (ShardedWal wal = ShardedWal.openReadOnly(dir))
        {
            final IngestReplay.Result result = IngestReplay.replay(wal, index,
                (shard, position, id, time, value) -> points.merge(new Point(id, time, value), 1, Integer::sum), 2);
            assertEquals(0, result.orphanSamples(), "every sample's series is defined in the log");
        }
        return points;
    }

    @Test
    void shouldWriteEverySampleOfManyThreadsOnceAndRebuildTheIndexFromTheLog() throws Exception
    {
        final int threads = 4;
        final int perThread = 3_000;
        final Map<Point, Integer> sent = new ConcurrentHashMap<>();
        try (ShardedWal wal = openWal(); ShardedIndex index = ShardedIndex.withShards(2);
            Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().serializers(2).maxSignalsInBatch(64)
                .flushFrequency(Duration.ofMillis(2)).build());
            ExecutorService pool = Executors.newFixedThreadPool(threads))
        {
            final List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                done.add(pool.submit(() ->
                {
                    for (int i = 0; i < perThread; i++)
                    {
                        final Labels labels = series((thread * 31 + i) % 500);
                        final long time = thread * 1_000_000L + i;
                        ingest.send(labels, time, i * 0.5);
                        sent.merge(new Point(SeriesIds.hash(labels), time, i * 0.5), 1, Integer::sum);
                    }
                }));
            }
            for (final Future<?> f : done)
            {
                f.get();
            }
            ingest.flush();
            final IngestStats stats = ingest.stats();
            assertEquals(threads * perThread, stats.samplesAccepted());
            assertEquals(threads * perThread, stats.samplesWritten());
            assertEquals(0, stats.pendingSamples());
            assertEquals(500, stats.seriesDefined(), "each of the 500 series is defined once: " + stats);
        }
        try (ShardedIndex rebuilt = ShardedIndex.withShards(3))
        {
            assertEquals(sent, replayed(dir, rebuilt));
            assertEquals(500, rebuilt.seriesCount());
            assertEquals(series(42), rebuilt.getLabels(SeriesIds.hash(series(42))));
            assertEquals(250, rebuilt.findSeries(Matcher.equal("region", "eu")).length);
        }
    }

    @Test
    void shouldWriteEverySampleWhoseSendReturnedWhenCloseRacesTheSenders() throws Exception
    {
        final int threads = 4;
        final Map<Point, Integer> sent = new ConcurrentHashMap<>();
        final ShardedWal wal = openWal();
        try (ShardedIndex index = ShardedIndex.withShards(2);
            ExecutorService pool = Executors.newFixedThreadPool(threads))
        {
            final Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().serializers(2).maxSignalsInBatch(16)
                .flushFrequency(Duration.ofMillis(1)).build());
            // Each sender counts down once its first send returned: the close must race senders that are sending.
            final CountDownLatch started = new CountDownLatch(threads);
            final List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                done.add(pool.submit(() ->
                {
                    for (int i = 0; ; i++)
                    {
                        final Labels labels = series(thread * 100 + i % 100);
                        try
                        {
                            ingest.send(labels, i, thread);
                        }
                        catch (final IllegalStateException closed)
                        {
                            assertTrue(closed.getMessage().contains("is closed"), closed.getMessage());
                            return i;
                        }
                        sent.merge(new Point(SeriesIds.hash(labels), i, thread), 1, Integer::sum);
                        if (i == 0)
                        {
                            started.countDown();
                        }
                    }
                }));
            }
            assertTrue(started.await(60, TimeUnit.SECONDS), "every sender's first send returned");
            Thread.sleep(30);
            ingest.close();
            for (final Future<Integer> f : done)
            {
                assertTrue(f.get() > 0, "every sender sent before the close");
            }
            wal.close();
            try (ShardedIndex rebuilt = ShardedIndex.withShards(2))
            {
                assertEquals(sent, replayed(dir, rebuilt));
            }
        }
    }

    @Test
    void shouldWriteABatchWhenItHoldsMaxSignalsAndTheRestOnFlush()
    {
        try (ShardedWal wal = openWal(); ShardedIndex index = ShardedIndex.withShards(1);
            Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().serializers(1).maxSignalsInBatch(10)
                .flushFrequency(NEVER).build()))
        {
            for (int i = 0; i < 25; i++)
            {
                ingest.send(series(i % 3), i, i);
            }
            IngestStats stats = ingest.stats();
            assertEquals(2, stats.batchesWritten(), stats.toString());
            assertEquals(20, stats.samplesWritten());
            assertEquals(5, stats.pendingSamples());
            assertEquals(3, stats.seriesDefined());
            ingest.flush();
            stats = ingest.stats();
            assertEquals(3, stats.batchesWritten());
            assertEquals(25, stats.samplesWritten());
            assertEquals(0, stats.pendingSamples());
            assertEquals(3, stats.batchWrites().count(), "one write latency per batch: " + stats.batchWrites());
            assertEquals(3, stats.batchAges().count(), stats.batchAges().toString());
            assertTrue(stats.batchWrites().p50() > 0 && stats.batchWrites().sumNanos() > 0, stats.toString());
            assertTrue(stats.batchAges().max() >= stats.batchWrites().max(), "a batch's age includes its write: "
                + stats);
            assertEquals(0, stats.sendWaits().count(), "no send of the only thread waited: " + stats.sendWaits());
        }
    }

    private static Ingest oneSerializer(final ShardedWal wal, final ShardedIndex index, final Duration maxWait)
    {
        return Ingest.open(wal, index, IngestOptions.builder().serializers(1).maxWaitTime(maxWait).build());
    }

    @Test
    void shouldRecordHowLongASendWaitedForABusySerializer() throws Exception
    {
        try (ShardedWal wal = openWal(); ShardedIndex index = ShardedIndex.withShards(1);
            Ingest ingest = oneSerializer(wal, index, Duration.ofSeconds(30)))
        {
            final BatchingSerializer only = ingest.serializers()[0];
            assertTrue(ingest.tryTake(only));
            final Thread sender = Thread.ofPlatform().start(() -> ingest.send(series(1), 1, 1));
            while (sender.getState() != Thread.State.TIMED_WAITING)
            {
                Thread.onSpinWait();
            }
            final long heldFrom = System.nanoTime();
            Thread.sleep(20);
            ingest.give(only);
            final long held = System.nanoTime() - heldFrom;
            sender.join();
            final IngestStats stats = ingest.stats();
            assertEquals(1, stats.samplesAccepted());
            assertEquals(1, stats.sendWaits().count(), stats.sendWaits().toString());
            assertTrue(stats.sendWaits().max() >= Duration.ofMillis(19).toNanos()
                && stats.sendWaits().sumNanos() >= Duration.ofMillis(20).toNanos(), "waited at least the " + held
                + " ns the serializer was held after the send parked: " + stats.sendWaits());
        }
    }

    @Test
    void shouldWriteAQuietBatchAfterFlushFrequency() throws InterruptedException
    {
        try (ShardedWal wal = openWal(); ShardedIndex index = ShardedIndex.withShards(1);
            Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().serializers(2).maxSignalsInBatch(1000)
                .flushFrequency(Duration.ofMillis(5)).build()))
        {
            ingest.send(series(1), 1, 1);
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (ingest.stats().samplesWritten() == 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertEquals(1, ingest.stats().samplesWritten(), "the flusher wrote the batch nobody filled");
            assertTrue(wal.committedPosition(wal.shardFor(key(SeriesIds.hash(series(1))))) > 0);
        }
    }

    private static byte[] key(final long id)
    {
        final byte[] key = new byte[IngestRecords.KEY_LENGTH];
        IngestRecords.writeKey(MemorySegment.ofArray(key), 0, id);
        return key;
    }

    @Test
    void shouldKeepOneSeriesOfOneThreadInSendOrderThroughOneSerializer()
    {
        try (ShardedWal wal = openWal(); ShardedIndex index = ShardedIndex.withShards(1);
            Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().serializers(1).maxSignalsInBatch(7)
                .build()))
        {
            for (int i = 0; i < 100; i++)
            {
                ingest.send(series(5), i, -i);
            }
        }
        final List<Long> times = Collections.synchronizedList(new ArrayList<>());
        try (ShardedWal wal = ShardedWal.openReadOnly(dir); ShardedIndex index = ShardedIndex.withShards(1))
        {
            IngestReplay.replay(wal, index, (shard, position, id, time, value) -> times.add(time), 1);
        }
        final List<Long> expected = new ArrayList<>();
        for (long i = 0; i < 100; i++)
        {
            expected.add(i);
        }
        assertEquals(expected, times, "close wrote the last batch, and the order is the send order");
    }

    @Test
    void shouldTimeOutASendWhenNoSerializerIsFreeAndTakeNothing() throws Exception
    {
        try (ShardedWal wal = openWal(); ShardedIndex index = ShardedIndex.withShards(1);
            Ingest ingest = oneSerializer(wal, index, Duration.ofMillis(50)))
        {
            final BatchingSerializer only = ingest.serializers()[0];
            final CountDownLatch held = new CountDownLatch(1);
            final CountDownLatch letGo = new CountDownLatch(1);
            final Thread holder = Thread.ofPlatform().start(() ->
            {
                while (!ingest.tryTake(only))
                {
                    Thread.onSpinWait();
                }
                held.countDown();
                try
                {
                    letGo.await();
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
                ingest.give(only);
            });
            held.await();
            final ShardwalException e = assertThrows(ShardwalException.class, () -> ingest.send(series(1), 1, 1));
            assertEquals(ShardwalException.Category.TIMEOUT, e.category());
            assertTrue(e.getMessage().contains("no ingest serializer became free within PT0.05S: all 1 were busy")
                && e.getMessage().contains("the sample was not taken"), e.getMessage());
            assertEquals(1, ingest.stats().timeouts());
            assertEquals(0, ingest.stats().sendWaits().count(), "a send that timed out is counted, not timed");
            assertEquals(0, ingest.stats().samplesAccepted());
            assertFalse(index.contains(SeriesIds.hash(series(1))), "a timed-out send does not touch the index");
            letGo.countDown();
            holder.join();
            ingest.send(series(1), 1, 1);
            assertEquals(1, ingest.stats().samplesAccepted());
        }
    }

    @Test
    void shouldReportUnwrittenSamplesToSendersFlushAndCloseWhenTheLogFails()
    {
        final ShardedWal wal = openWal();
        try (ShardedIndex index = ShardedIndex.withShards(1))
        {
            final Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().serializers(1).maxSignalsInBatch(4)
                .flushFrequency(NEVER).build());
            for (int i = 0; i < 3; i++)
            {
                ingest.send(series(i), i, i);
            }
            wal.close();
            // The fourth sample fills the batch; its write fails, but the sample is taken and kept.
            ingest.send(series(3), 3, 3);
            assertEquals(4, ingest.stats().pendingSamples());
            assertEquals(1, ingest.stats().failedWrites());
            final RuntimeException next = assertThrows(RuntimeException.class, () -> ingest.send(series(4), 4, 4));
            assertTrue(next.getMessage().contains("closed"), next.getMessage());
            assertEquals(4, ingest.stats().samplesAccepted(), "the refused send took nothing");
            final ShardwalException flush = assertThrows(ShardwalException.class, ingest::flush);
            assertTrue(flush.getMessage().contains("flush of the ingest into " + dir + ": 4 samples in 1 batches are "
                + "not written (kept; a later write retries them)"), flush.getMessage());
            final ShardwalException close = assertThrows(ShardwalException.class, ingest::close);
            assertTrue(close.getMessage().contains("4 samples in 1 batches are not written and are lost with this "
                + "close"), close.getMessage());
            final IllegalStateException after = assertThrows(IllegalStateException.class,
                () -> ingest.send(series(1), 1, 1));
            assertTrue(after.getMessage().contains("is closed"), after.getMessage());
            ingest.close();
        }
    }

    @Test
    void shouldRefuseBadSeriesAndTakeNothing()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(1 << 16)
                .maxValueSize(64).build());
            ShardedIndex index = ShardedIndex.withShards(1);
            Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().serializers(1).build()))
        {
            final IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> ingest.send(Labels.EMPTY, 1, 1));
            assertTrue(empty.getMessage().contains("empty") || empty.getMessage().contains("label"),
                empty.getMessage());
            final Labels tooLong = Labels.of("__name__", "m", "v", "x".repeat(100));
            final IllegalArgumentException large = assertThrows(IllegalArgumentException.class,
                () -> ingest.send(tooLong, 1, 1));
            assertTrue(large.getMessage().contains("more than the log's maxValueSize 64"), large.getMessage());
            assertFalse(index.contains(SeriesIds.hash(tooLong)), "a series whose definition cannot be written is "
                + "not indexed");
            final Labels huge = Labels.of("__name__", "m", "v", "x".repeat(70_000));
            assertThrows(IllegalArgumentException.class, () -> ingest.send(huge, 1, 1));
            assertEquals(0, ingest.stats().samplesAccepted());
            assertEquals(0, index.seriesCount());
        }
    }

    @Test
    void shouldSayWhichSampleOfAScrapeWasRefused()
    {
        final List<Sample> samples = PrometheusTextParser.parse("""
            # TYPE up gauge
            up{job="a"} 1
            up{job="b"} 0 1700000000000
            """).samples();
        final List<Sample> withBad = new ArrayList<>(samples);
        withBad.add(1, new Sample("up", "up", Labels.of("job", "x".repeat(70_000)), 1, Sample.NO_TIMESTAMP));
        try (ShardedWal wal = openWal(); ShardedIndex index = ShardedIndex.withShards(1);
            Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().serializers(1).build()))
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ingest.sendAll(withBad, 42));
            assertTrue(e.getMessage().startsWith("sample 2 of 3 was refused (the 1 before it were taken, it and the 1 "
                + "after it were not): "), e.getMessage());
            assertEquals(1, ingest.stats().samplesAccepted());
            ingest.sendAll(samples.subList(1, 2), 42);
        }
        final Map<Long, Long> times = new HashMap<>();
        try (ShardedWal wal = ShardedWal.openReadOnly(dir); ShardedIndex index = ShardedIndex.withShards(1))
        {
            IngestReplay.replay(wal, index, (shard, position, id, time, value) -> times.put(id, time), 1);
            assertEquals(Map.of(SeriesIds.hash(Labels.of("__name__", "up", "job", "a")), 42L,
                SeriesIds.hash(Labels.of("__name__", "up", "job", "b")), 1700000000000L), times,
                "a sample without a timestamp gets the scrape time");
        }
    }

    @Test
    void shouldIngestARealExpositionAndFindItsSeriesAfterAReplay() throws IOException
    {
        final String text;
        try (InputStream in = IngestTest.class.getResourceAsStream("prometheus-alltypes.237mfs.prom.txt"))
        {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        final List<Sample> samples = PrometheusTextParser.parse(text).samples();
        try (ShardedWal wal = openWal(); ShardedIndex index = ShardedIndex.withShards(2);
            Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().maxSignalsInBatch(100).build()))
        {
            ingest.sendAll(samples, 7);
        }
        try (ShardedIndex rebuilt = ShardedIndex.withShards(2))
        {
            final Map<Point, Integer> points = replayed(dir, rebuilt);
            assertEquals(samples.size(), points.values().stream().mapToInt(Integer::intValue).sum());
            for (final Sample sample : samples)
            {
                assertTrue(rebuilt.contains(SeriesIds.hash(sample.seriesLabels())), sample.toString());
            }
        }
    }

    @Test
    void shouldRefuseLogsItCannotWriteAndBadOptions()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(1 << 16)
                .maxKeySize(4).build());
            ShardedIndex index = ShardedIndex.withShards(1))
        {
            final IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> Ingest.open(wal, index, IngestOptions.defaults()));
            assertTrue(small.getMessage().contains("keys of at most 4 bytes"), small.getMessage());
        }
        try (ShardedWal wal = ShardedWal.openReadOnly(dir); ShardedIndex index = ShardedIndex.withShards(1))
        {
            final IllegalArgumentException readOnly = assertThrows(IllegalArgumentException.class,
                () -> Ingest.open(wal, index, IngestOptions.defaults()));
            assertTrue(readOnly.getMessage().contains("read-only"), readOnly.getMessage());
        }
        assertBad("serializers must be in [1, 1024], not 0", IngestOptions.builder().serializers(0));
        assertBad("maxSignalsInBatch must be in [1, 1048576], not 0", IngestOptions.builder().maxSignalsInBatch(0));
        assertBad("flushFrequency must be in [1 ms, 1 hour], not PT0S",
            IngestOptions.builder().flushFrequency(Duration.ZERO));
        assertBad("maxWaitTime must be in [0, 1 hour], not PT-1S",
            IngestOptions.builder().maxWaitTime(Duration.ofSeconds(-1)));
    }

    private static void assertBad(final String message, final IngestOptions.Builder builder)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertEquals(message, e.getMessage());
    }

    @Test
    void shouldGiveASampleItsSeriesWhenTheDefinitionLandedAfterItAndCountSamplesWithoutOne()
    {
        final Labels defined = series(1);
        final long id = SeriesIds.hash(defined);
        final long orphan = SeriesIds.hash(series(2));
        try (ShardedWal wal = openWal())
        {
            // Two serializers can write a series' first sample and its definition in this order.
            wal.append(key(id), sample(10, 1.5));
            wal.append(key(id), IngestRecords.seriesValue(defined));
            wal.append(key(orphan), sample(11, 2.5));
        }
        final Map<Long, Double> values = new ConcurrentHashMap<>();
        try (ShardedWal wal = ShardedWal.openReadOnly(dir); ShardedIndex index = ShardedIndex.withShards(1))
        {
            final IngestReplay.Result result = IngestReplay.replay(wal, index,
                (shard, position, seriesId, time, value) -> values.put(seriesId, value), 2);
            assertEquals(new IngestReplay.Result(1, 2, 1), result);
            assertEquals(defined, index.getLabels(id));
            assertEquals(Map.of(id, 1.5, orphan, 2.5), values, "a sample without a definition is still delivered");
        }
    }

    private static byte[] sample(final long time, final double value)
    {
        final byte[] bytes = new byte[IngestRecords.SAMPLE_VALUE_LENGTH];
        IngestRecords.writeSample(MemorySegment.ofArray(bytes), 0, time, value);
        return bytes;
    }

    @Test
    void shouldRefuseToReplayALogWithRecordsIngestDidNotWrite()
    {
        try (ShardedWal wal = openWal())
        {
            wal.append(new byte[] {1, 2, 3}, new byte[] {4});
            final byte[] badSeries = {IngestRecords.SERIES, 0, 1, 0, 9, 'a'};
            wal.append(key(77), badSeries);
        }
        try (ShardedWal wal = ShardedWal.openReadOnly(dir); ShardedIndex index = ShardedIndex.withShards(1))
        {
            final ShardwalException e = assertThrows(ShardwalException.class,
                () -> IngestReplay.replay(wal, index, null, 1));
            assertEquals(ShardwalException.Category.FORMAT, e.category());
            assertTrue(e.getMessage().matches("(?s).*shard \\d+ position \\d+ is not an ingest record: it has .*"),
                e.getMessage());
        }
    }
}
