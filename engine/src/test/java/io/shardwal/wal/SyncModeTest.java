package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.shardwal.metrics.LatencyRecording;
import io.shardwal.metrics.ShardMetrics;
import io.shardwal.metrics.ShardStats;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.ProcessMappings;
import io.shardwal.mmap.SegmentDescriptor;
import io.shardwal.mmap.ShardwalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each sync mode promises at the moment an append returns, group commit, and msync failure. */
class SyncModeTest
{
    @TempDir
    Path dir;

    private static long end(final long address, final byte[] key, final byte[] value)
    {
        return RecordAddress.position(address) + FrameDescriptor.align(
            (int)FrameDescriptor.dataFrameLength(key.length, value.length));
    }

    @Test
    void shouldReturnStrictAppendsOnlyWhenDurableAndShareMsyncsAmongWriters() throws Exception
    {
        final int threads = 16;
        final int perThread = 150;
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(2).segmentSize(1 << 20)
            .syncMode(SyncMode.STRICT).build()))
        {
            final List<List<long[]>> msynced = List.of(new java.util.concurrent.CopyOnWriteArrayList<>(),
                new java.util.concurrent.CopyOnWriteArrayList<>());
            for (int shard = 0; shard < 2; shard++)
            {
                final List<long[]> ranges = msynced.get(shard);
                wal.shard(shard).msyncFault((from, to) -> ranges.add(new long[] {from, to}));
            }
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final CountDownLatch done = new CountDownLatch(threads);
            for (int t = 0; t < threads; t++)
            {
                final int writer = t;
                Thread.ofPlatform().start(() ->
                {
                    try
                    {
                        for (int i = 0; i < perThread; i++)
                        {
                            final byte[] key = Records.key(writer, i, 100);
                            final byte[] value = Records.value(writer, i, 64);
                            final long address = wal.append(key, value);
                            final long start = RecordAddress.position(address);
                            final long end = end(address, key, value);
                            if (msynced.get(RecordAddress.shard(address)).stream()
                                .noneMatch(range -> range[0] <= start && range[1] >= end))
                            {
                                throw new AssertionError("STRICT append returned before an msync covered it: "
                                    + RecordAddress.toString(address));
                            }
                        }
                    }
                    catch (final Throwable e)
                    {
                        failure.compareAndSet(null, e);
                    }
                    finally
                    {
                        done.countDown();
                    }
                });
            }
            assertTrue(done.await(3, TimeUnit.MINUTES));
            if (failure.get() != null)
            {
                throw new AssertionError(failure.get());
            }
            long msyncs = 0;
            long records = 0;
            for (final ShardStats stats : wal.stats().shards())
            {
                msyncs += stats.msyncs();
                records += stats.records();
            }
            assertEquals(threads * perThread, records);
            assertTrue(msyncs < records, "concurrent STRICT appends share msyncs: " + msyncs + " msyncs for "
                + records + " appends");
            wal.sync();
            for (int shard = 0; shard < 2; shard++)
            {
                assertEquals(wal.committedPosition(shard), wal.durablePosition(shard), "the prefix caught up");
            }
        }
    }

    @Test
    void shouldLeaveAsyncAppendsToTheSyncerAndMakeThemDurableOnSync() throws Exception
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).syncMode(SyncMode.ASYNC)
            .syncInterval(Duration.ofMillis(20)).build()))
        {
            final byte[] key = {1};
            final byte[] value = new byte[100];
            final long address = wal.append(key, value);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (wal.durablePosition(0) < end(address, key, value) && System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
            assertTrue(wal.durablePosition(0) >= end(address, key, value), "the background syncer caught up");
            final long second = wal.append(key, value);
            wal.sync();
            assertTrue(wal.durablePosition(0) >= end(second, key, value), "sync() forces it");
        }
    }

    /**
     * An msync first unmaps the committed pages it covers from the writer's process, so that their write-back does
     * not interrupt the writers; every byte stays readable through the same mapping.
     */
    @Test
    void shouldUnmapTheCommittedPagesItMsyncsFromTheWritersProcessAndKeepTheirBytes()
        throws IOException, InterruptedException
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(1 << 20)
            .syncMode(SyncMode.ASYNC).syncInterval(Duration.ofHours(1)).build()))
        {
            final Path segment = ShardedWal.shardDirectory(dir, 0).resolve(ShardSegments.fileName(0));
            final List<Records.Ack> acks = new ArrayList<>();
            for (int i = 0; i < 200; i++)
            {
                final byte[] key = {(byte)i};
                final byte[] value = new byte[1000];
                Arrays.fill(value, (byte)i);
                acks.add(new Records.Ack(wal.append(key, value), key, value));
            }
            // The preparer pretouches the rest of the segment (SegmentWarmup): once it is done, only the msync
            // changes what is resident.
            ProcessMappings.awaitResidentKib(segment, 1024, Duration.ofSeconds(10));
            final long mapped = ProcessMappings.residentKib(segment);
            assumeTrue(mapped > 0, "/proc/self/smaps does not show the segment's mapping");

            wal.sync();
            final long committed = wal.durablePosition(0);
            assertEquals(4 * (committed / 4096), mapped - ProcessMappings.residentKib(segment),
                "KiB unmapped: every whole page below the committed frontier of " + committed);
            Records.assertAllPresent(acks, Records.readAll(wal));
        }
    }

    @Test
    void shouldMakeBatchesButNotSinglesDurableInBatchOnlyMode()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).syncMode(SyncMode.BATCH_ONLY)
            .build()))
        {
            final long single = wal.append(new byte[] {1}, new byte[8]);
            assertTrue(wal.durablePosition(0) <= RecordAddress.position(single), "a single append is not synced");
            final WalBatch batch = wal.newBatch().add(new byte[] {2}, new byte[8]).add(new byte[] {3}, new byte[8]);
            wal.appendBatch(batch);
            assertTrue(wal.durablePosition(0) > RecordAddress.position(batch.address(1)));
        }
    }

    @Test
    void shouldFailTheWaitingAppendAndEveryLaterOneOfAShardWhoseMsyncFails() throws IOException
    {
        final WalOptions options = WalOptions.builder(dir).shardCount(2).syncMode(SyncMode.STRICT).build();
        final ShardedWal wal = ShardedWal.open(options);
        {
            final byte[] key = keyFor(wal, 1);
            final AtomicInteger attempts = new AtomicInteger();
            wal.shard(1).msyncFault((from, to) ->
            {
                attempts.incrementAndGet();
                throw new IOException("Input/output error (errno 5) [injected]");
            });
            final ShardwalException failed = assertThrows(ShardwalException.class, () -> wal.append(key, new byte[8]));
            assertEquals(ShardwalException.Category.FAILED, failed.category());
            assertInstanceOf(IOException.class, failed.getCause());
            assertTrue(failed.getMessage().contains("shard 1"), failed.getMessage());
            assertTrue(failed.getMessage().contains("Input/output error"), failed.getMessage());

            wal.shard(1).msyncFault(null);
            final ShardwalException later = assertThrows(ShardwalException.class, () -> wal.append(key, new byte[8]));
            assertEquals(ShardwalException.Category.FAILED, later.category());
            assertTrue(later.getMessage().contains("refuses appends"), later.getMessage());
            assertEquals(1, attempts.get());

            final long other = wal.append(keyFor(wal, 0), new byte[8]);
            assertEquals(0, RecordAddress.shard(other), "the other shard is not affected");
            assertEquals(1, wal.stats().shards().get(1).msyncFailures());
        }
        final ShardwalException atClose = assertThrows(ShardwalException.class, wal::close);
        assertEquals(ShardwalException.Category.FAILED, atClose.category());
        assertTrue(atClose.getMessage().contains("shard 1 had failed"), atClose.getMessage());
        assertTrue(atClose.getMessage().contains("without a final sync"), atClose.getMessage());
        assertEquals("open", WalLock.fields(dir).get("state"), "a close that could not sync is not a clean stop");
        try (ShardedWal reopened = ShardedWal.open(options))
        {
            assertEquals("PROCESS_CRASH", reopened.recoveryReport().previousStop(),
                "the next open recovers (and msyncs) the failed shard as after a crash");
        }
    }

    /**
     * An msync that fails with an unchecked exception (a mapping found truncated, an invariant broken) fails the
     * shard like an IOException does: otherwise every later STRICT append committed its record, visible to readers,
     * and then threw, so a caller that retried wrote it twice; ASYNC appends were accepted with no sync ever again.
     */
    @Test
    void shouldFailTheShardWhenItsMsyncFailsWithAnUncheckedException()
    {
        final ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).syncMode(SyncMode.STRICT)
            .build());
        try
        {
            wal.shard(0).msyncFault((from, to) ->
            {
                throw new IllegalStateException("injected");
            });
            final ShardwalException first = assertThrows(ShardwalException.class, () -> wal.append(new byte[] {1},
                new byte[8]));
            assertEquals(ShardwalException.Category.FAILED, first.category());
            assertInstanceOf(IllegalStateException.class, first.getCause());
            final long committed = wal.committedPosition(0);
            final ShardwalException later = assertThrows(ShardwalException.class, () -> wal.append(new byte[] {1},
                new byte[8]));
            assertEquals(ShardwalException.Category.FAILED, later.category());
            assertEquals(committed, wal.committedPosition(0), "a refused append writes nothing");
            assertTrue(wal.shard(0).isFailed());
        }
        finally
        {
            final ShardwalException atClose = assertThrows(ShardwalException.class, wal::close);
            assertEquals(ShardwalException.Category.FAILED, atClose.category());
        }
    }

    /**
     * The header page (tail counter) of a segment the writer lets go of is msynced too, by the group commit that
     * made the segment durable: when that msync fails the shard fails, and the stats count it among the msyncs
     * after which the shard refuses appends.
     */
    @Test
    void shouldFailTheShardAndCountTheFailureWhenTheHeaderMsyncOfAFullSegmentFails()
    {
        final ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(4096)
            .syncMode(SyncMode.STRICT).build());
        try
        {
            final List<Long> headers = new ArrayList<>();
            wal.shard(0).msyncFault(new ShardMsync.Fault()
            {
                @Override
                public void beforeMsync(final long from, final long to)
                {
                }

                @Override
                public void beforeHeaderMsync(final long base) throws IOException
                {
                    headers.add(base);
                    throw new IOException("Input/output error (errno 5) [injected]");
                }
            });
            ShardwalException failed = null;
            for (int i = 0; i < 100 && failed == null; i++)
            {
                try
                {
                    wal.append(new byte[] {1}, new byte[200]);
                }
                catch (final ShardwalException e)
                {
                    failed = e;
                }
            }
            assertTrue(failed != null, "a STRICT append after the first roll made the first segment durable");
            assertEquals(ShardwalException.Category.FAILED, failed.category());
            assertTrue(failed.getMessage().contains("[injected]"), failed.getMessage());
            assertEquals(List.of(0L), headers, "the header of the segment the writer let go of");
            assertEquals(1, wal.stats().shards().get(0).msyncFailures());
            final ShardwalException later = assertThrows(ShardwalException.class, () -> wal.append(new byte[] {1},
                new byte[8]));
            assertTrue(later.getMessage().contains("refuses appends"), later.getMessage());
        }
        finally
        {
            final ShardwalException atClose = assertThrows(ShardwalException.class, wal::close);
            assertEquals(ShardwalException.Category.FAILED, atClose.category());
        }
    }

    /** Close msyncs the header pages of the segments the writer holds: a failure there is counted and not clean. */
    @Test
    void shouldCountAFailedHeaderMsyncAtCloseAndLeaveTheStopUnclean() throws IOException
    {
        final ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).syncMode(SyncMode.ASYNC)
            .syncInterval(Duration.ofHours(1)).build());
        wal.append(new byte[] {1}, new byte[8]);
        final AtomicInteger headers = new AtomicInteger();
        wal.shard(0).msyncFault(new ShardMsync.Fault()
        {
            @Override
            public void beforeMsync(final long from, final long to)
            {
            }

            @Override
            public void beforeHeaderMsync(final long base) throws IOException
            {
                headers.incrementAndGet();
                throw new IOException("Input/output error (errno 5) [injected]");
            }
        });
        final ShardwalException atClose = assertThrows(ShardwalException.class, wal::close);
        assertEquals(ShardwalException.Category.FAILED, atClose.category());
        assertTrue(atClose.getMessage().contains("[injected]"), atClose.getMessage());
        assertEquals(1, headers.get(), "the first failure ends the close's header msyncs");
        final ShardStats stats = wal.shard(0).stats(ShardMetrics.newTotal(), ShardMetrics.newTotal());
        assertEquals(1, stats.msyncFailures());
        assertEquals("open", WalLock.fields(dir).get("state"), "a close that could not sync is not a clean stop");
    }

    /** As in the group commit, an unchecked failure of a header msync at close fails the shard like an IOException. */
    @Test
    void shouldFailTheShardWhenAHeaderMsyncAtCloseFailsWithAnUncheckedException()
    {
        final ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).syncMode(SyncMode.ASYNC)
            .syncInterval(Duration.ofHours(1)).build());
        wal.append(new byte[] {1}, new byte[8]);
        wal.shard(0).msyncFault(new ShardMsync.Fault()
        {
            @Override
            public void beforeMsync(final long from, final long to)
            {
            }

            @Override
            public void beforeHeaderMsync(final long base)
            {
                throw new IllegalStateException("injected");
            }
        });
        final ShardwalException atClose = assertThrows(ShardwalException.class, wal::close);
        assertEquals(ShardwalException.Category.FAILED, atClose.category());
        assertInstanceOf(IllegalStateException.class, atClose.getCause());
        assertTrue(wal.shard(0).isFailed());
        assertEquals(1, wal.shard(0).stats(ShardMetrics.newTotal(), ShardMetrics.newTotal()).msyncFailures());
    }

    /**
     * msyncs, msyncBytes and the msync latency count every msync the writer makes: the group commits' (one per
     * sync, whatever the segments it spans) and the header pages' when the writer lets go of a segment.
     */
    @Test
    void shouldCountHeaderMsyncsWithTheirBytesAmongTheMsyncs()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(4096)
            .syncMode(SyncMode.STRICT).latencyRecording(LatencyRecording.FULL).build()))
        {
            final AtomicInteger ranges = new AtomicInteger();
            final AtomicLong rangeBytes = new AtomicLong();
            final AtomicInteger headers = new AtomicInteger();
            wal.shard(0).msyncFault(new ShardMsync.Fault()
            {
                @Override
                public void beforeMsync(final long from, final long to)
                {
                    ranges.incrementAndGet();
                    rangeBytes.addAndGet(to - from);
                }

                @Override
                public void beforeHeaderMsync(final long base)
                {
                    headers.incrementAndGet();
                }
            });
            for (int i = 0; i < 60; i++)
            {
                wal.append(new byte[] {1}, new byte[200]);
            }
            final ShardStats stats = wal.stats().shards().get(0);
            assertTrue(headers.get() >= 2, "the writer let go of segments: " + headers.get());
            assertEquals(ranges.get() + headers.get(), stats.msyncs());
            assertEquals(rangeBytes.get() + (long)headers.get() * SegmentDescriptor.DATA_OFFSET, stats.msyncBytes());
            assertEquals(stats.msyncs(), stats.msyncLatency().count());
            assertEquals(0, stats.msyncFailures());
        }
    }

    @Test
    void shouldSayWhichPartsOfABatchCommittedWhenALaterShardFails()
    {
        final ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(2).syncMode(SyncMode.STRICT)
            .build());
        try
        {
            wal.shard(1).msyncFault((from, to) ->
            {
                throw new IOException("Input/output error (errno 5) [injected]");
            });
            assertThrows(ShardwalException.class, () -> wal.append(keyFor(wal, 1), new byte[8]));
            final WalBatch batch = wal.newBatch().add(keyFor(wal, 0), new byte[] {1}).add(keyFor(wal, 1), new byte[] {2});
            final ShardwalException partial = assertThrows(ShardwalException.class, () -> wal.appendBatch(batch));
            assertEquals(ShardwalException.Category.FAILED, partial.category());
            assertTrue(partial.getMessage().contains("parts for shards [0] are committed"), partial.getMessage());
            assertTrue(batch.isAppended(0));
            assertEquals(0, RecordAddress.shard(batch.address(0)));
            assertTrue(!batch.isAppended(1));
            final IllegalStateException notAppended = assertThrows(IllegalStateException.class, () -> batch.address(1));
            assertTrue(notAppended.getMessage().contains("shard 1 failed"), notAppended.getMessage());
            final List<Long> inShard0 = new ArrayList<>();
            wal.iterShard(0, 0, Long.MAX_VALUE, record -> inShard0.add(record.address()));
            assertTrue(inShard0.contains(batch.address(0)));
        }
        finally
        {
            assertEquals(ShardwalException.Category.FAILED, assertThrows(ShardwalException.class, wal::close).category());
        }
    }

    @Test
    void shouldLeaveNoMappingBehindWhenWritersRollWhileTheLogCloses() throws Exception
    {
        for (int run = 0; run < 10; run++)
        {
            // no segment prepared ahead: every roll creates its segment inline, racing the close
            final ShardedWal wal = ShardedWal.open(WalOptions.builder(dir.resolve("run-" + run)).shardCount(1)
                .segmentSize(4096).prepareAhead(0).syncMode(SyncMode.ASYNC).build());
            final List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
            final List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 3; t++)
            {
                writers.add(Thread.ofPlatform().start(() ->
                {
                    try
                    {
                        while (true)
                        {
                            wal.append(new byte[] {1}, new byte[1000]);
                        }
                    }
                    catch (final ShardwalException e)
                    {
                        if (e.category() != ShardwalException.Category.CLOSED)
                        {
                            unexpected.add(e);
                        }
                    }
                }));
            }
            Thread.sleep(10);
            wal.close();
            for (final Thread writer : writers)
            {
                writer.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertEquals(List.of(), unexpected);
            final java.util.Map<Long, String> after = wal.segments(0).describe();
            assertTrue(after.values().stream().noneMatch(state -> state.startsWith("mapped")),
                "run " + run + ": a segment is still mapped after close: " + after);
        }
    }

    @Test
    void shouldRefuseASegmentCreatedAfterItsShardClosedAndUnmapIt() throws IOException
    {
        final Path shardDirectory = java.nio.file.Files.createDirectories(dir.resolve("shard"));
        final ShardSegments segments = new ShardSegments(0, shardDirectory, 4096, true, 4);
        segments.close();
        final io.shardwal.mmap.MappedSegment late = io.shardwal.mmap.MappedSegment.create(
            shardDirectory.resolve(ShardSegments.fileName(0)), 0, 4096, 0);
        final ShardwalException refused = assertThrows(ShardwalException.class, () -> segments.addCreated(late));
        assertEquals(ShardwalException.Category.CLOSED, refused.category());
        assertTrue(late.isClosed(), "the late segment is unmapped");
    }

    @Test
    void shouldCloseWhileWritersAndReadersRunWithoutCrashAndKeepEveryAcknowledgedRecord() throws Exception
    {
        final WalOptions options = WalOptions.builder(dir).shardCount(3).segmentSize(8192).syncMode(SyncMode.ASYNC)
            .build();
        final List<Records.Ack> acks = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
        final ShardedWal wal = ShardedWal.open(options);
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++)
        {
            final int writer = t;
            threads.add(Thread.ofPlatform().start(() ->
            {
                try
                {
                    for (long i = 0; ; i++)
                    {
                        final byte[] key = Records.key(writer, i, 10);
                        final byte[] value = Records.value(writer, i, 300);
                        acks.add(new Records.Ack(wal.append(key, value), key, value));
                    }
                }
                catch (final ShardwalException e)
                {
                    if (e.category() != ShardwalException.Category.CLOSED)
                    {
                        unexpected.add(e);
                    }
                }
                catch (final Throwable e)
                {
                    unexpected.add(e);
                }
            }));
        }
        for (int shard = 0; shard < 3; shard++)
        {
            final Tailer tailer = wal.tailer(shard, 0);
            threads.add(Thread.ofPlatform().start(() ->
            {
                try
                {
                    while (true)
                    {
                        tailer.poll(record -> Records.check(record.valueBytes()), 64);
                    }
                }
                catch (final ShardwalException e)
                {
                    if (e.category() != ShardwalException.Category.CLOSED)
                    {
                        unexpected.add(e);
                    }
                }
                catch (final Throwable e)
                {
                    unexpected.add(e);
                }
            }));
        }
        Thread.sleep(300);
        wal.close();
        for (final Thread thread : threads)
        {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertEquals(List.of(), unexpected, "racing a close gives CLOSED and nothing else");
        assertTrue(acks.size() > 100, "writers were running: " + acks.size());
        try (ShardedWal reopened = ShardedWal.open(options))
        {
            Records.assertAllPresent(acks, Records.readAll(reopened));
        }
    }

    private static byte[] keyFor(final ShardedWal wal, final int shard)
    {
        for (int i = 0; ; i++)
        {
            final byte[] key = ("probe-" + i).getBytes();
            if (wal.shardFor(key) == shard)
            {
                return key;
            }
        }
    }
}
