package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.shardwal.mmap.ShardwalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API's contracts and every kind of misuse, each with a clear error. */
class ShardedWalApiTest
{
    @TempDir
    Path dir;

    private WalOptions.Builder options()
    {
        return WalOptions.builder(dir.resolve("log")).shardCount(4).segmentSize(1 << 16).syncMode(SyncMode.ASYNC)
            .maxKeySize(64).maxValueSize(1000);
    }

    @Test
    void shouldRefuseASecondWriterInTheSameJvmAndAllowReadersAlongside()
    {
        try (ShardedWal writer = ShardedWal.open(options().build()))
        {
            final long address = writer.append(new byte[] {1}, new byte[] {2});
            final ShardwalException e = assertThrows(ShardwalException.class, () -> ShardedWal.open(options().build()));
            assertEquals(ShardwalException.Category.LOCKED, e.category());
            assertTrue(e.getMessage().contains("already open for writing in this JVM"), e.getMessage());
            assertTrue(e.getMessage().contains(WalLock.FILE_NAME), e.getMessage());
            try (ShardedWal reader = ShardedWal.openReadOnly(dir.resolve("log")))
            {
                final List<Long> seen = new ArrayList<>();
                reader.iterShard(RecordAddress.shard(address), 0, Long.MAX_VALUE, r -> seen.add(r.address()));
                assertEquals(List.of(address), seen);
            }
        }
        try (ShardedWal again = ShardedWal.open(options().build()))
        {
            assertEquals("CLEAN", again.recoveryReport().previousStop());
        }
    }

    /**
     * A tool asking who holds the lock (every reading CLI command does) takes a shared lock for a moment; a writer
     * opening at that moment must wait it out, not be refused as if the log were held.
     */
    @Test
    void shouldOpenTheWriterWhileToolsProbeTheLock() throws Exception
    {
        ShardedWal.open(options().build()).close();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong probes = new AtomicLong();
        final Thread prober = Thread.ofPlatform().start(() ->
        {
            while (!stop.get())
            {
                try
                {
                    LogFiles.lockHolder(dir.resolve("log"));
                    probes.incrementAndGet();
                }
                catch (final IOException e)
                {
                    throw new UncheckedIOException(e);
                }
            }
        });
        try
        {
            for (int i = 0; i < 100; i++)
            {
                ShardedWal.open(options().build()).close();
            }
        }
        finally
        {
            stop.set(true);
            prober.join();
        }
        assertTrue(probes.get() > 100, "the prober ran " + probes.get() + " probes");
    }

    @Test
    void shouldReportTheHolderOfTheLock() throws Exception
    {
        try (ShardedWal writer = ShardedWal.open(options().build()))
        {
            assertTrue(WalLock.holder(writer.directory()).contains("pid " + ProcessHandle.current().pid()));
        }
        assertEquals(null, WalLock.holder(dir.resolve("log")));
    }

    @Test
    void shouldRejectRecordsOverTheLimitsNamingThem()
    {
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            final IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                () -> wal.append(new byte[65], new byte[1]));
            assertTrue(key.getMessage().contains("65-byte key"), key.getMessage());
            assertTrue(key.getMessage().contains("maxKeySize 64"), key.getMessage());
            assertThrows(IllegalArgumentException.class, () -> wal.append(new byte[1], new byte[1001]));
            assertThrows(IllegalArgumentException.class, () -> wal.tryClaim(new byte[1], 1001, new WalClaim()));
            assertThrows(IllegalArgumentException.class, () -> wal.newBatch().add(new byte[1], new byte[2000]));
            assertThrows(NullPointerException.class, () -> wal.append((byte[])null, new byte[1]));
            assertEquals(0, wal.committedPosition(0) + wal.committedPosition(1) + wal.committedPosition(2)
                + wal.committedPosition(3), "nothing was written");
        }
    }

    @Test
    void shouldRouteEveryKeyAsTheRouterSaysWhateverTheThreadsRoutingCacheHolds()
    {
        try (ShardedWal small = ShardedWal.open(options().build());
            ShardedWal wide = ShardedWal.open(WalOptions.builder(dir.resolve("wide")).shardCount(37)
                .segmentSize(1 << 16).syncMode(SyncMode.ASYNC).build()))
        {
            final java.util.SplittableRandom random = new java.util.SplittableRandom(7);
            for (int i = 0; i < 20_000; i++)
            {
                final byte[] key = ("k" + random.nextInt(500)).getBytes();
                final ShardedWal wal = random.nextBoolean() ? small : wide;
                assertEquals(wal.shardFor(key), RecordAddress.shard(wal.append(key, new byte[1])), "key " + i);
            }
        }
    }

    @Test
    void shouldAcceptKeysAndValuesFromArraysBuffersAndSegmentsAlike()
    {
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            final byte[] key = "same-key".getBytes();
            final long a = wal.append(key, "one".getBytes());
            final long b = wal.append(ByteBuffer.wrap(key), ByteBuffer.allocateDirect(3).put("two".getBytes()).flip());
            final long c = wal.append(MemorySegment.ofArray(key), MemorySegment.ofArray("three".getBytes()));
            assertEquals(RecordAddress.shard(a), RecordAddress.shard(b));
            assertEquals(RecordAddress.shard(a), RecordAddress.shard(c));
            final List<String> values = new ArrayList<>();
            wal.iterShard(RecordAddress.shard(a), 0, Long.MAX_VALUE, r -> values.add(new String(r.valueBytes())));
            assertEquals(List.of("one", "two", "three"), values);
        }
    }

    @Test
    void shouldRefuseMisuseOfClaimsBatchesShardsAndReadOnlyLogs()
    {
        try (ShardedWal wal = ShardedWal.open(options().build()); WalClaim claim = new WalClaim())
        {
            wal.tryClaim(new byte[] {1}, 4, claim);
            assertThrows(IllegalStateException.class, () -> wal.tryClaim(new byte[] {1}, 4, claim));
            claim.putValue(0, new byte[] {1, 2, 3, 4}, 0, 4);
            claim.commit();
            assertThrows(IllegalStateException.class, claim::commit);

            final WalBatch batch = wal.newBatch().add(new byte[] {1}, new byte[] {1});
            assertThrows(IllegalStateException.class, () -> batch.address(0), "not appended yet");
            assertThrows(IndexOutOfBoundsException.class, () -> batch.shardOf(1));
            assertThrows(IllegalArgumentException.class, () -> wal.tailer(4, 0));
            assertThrows(IllegalArgumentException.class, () -> wal.tailer(-1, 0));
            assertThrows(IllegalArgumentException.class, () -> wal.tailer(0, 3));
            assertThrows(IllegalArgumentException.class, () -> wal.committedPosition(9));
            assertThrows(IllegalArgumentException.class, () -> wal.replay(r -> { }, 0));
        }
        try (ShardedWal readOnly = ShardedWal.openReadOnly(dir.resolve("log")))
        {
            assertTrue(readOnly.isReadOnly());
            final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> readOnly.append(new byte[1], new byte[1]));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            assertThrows(IllegalStateException.class, readOnly::sync);
        }
    }

    @Test
    void shouldFailClearlyWhenUsedAfterClose()
    {
        final ShardedWal wal = ShardedWal.open(options().build());
        final Tailer tailer = wal.tailer(0, 0);
        wal.close();
        wal.close();
        final ShardwalException append = assertThrows(ShardwalException.class,
            () -> wal.append(new byte[1], new byte[1]));
        assertEquals(ShardwalException.Category.CLOSED, append.category());
        assertEquals(ShardwalException.Category.CLOSED,
            assertThrows(ShardwalException.class, () -> tailer.poll(r -> { }, 1)).category());
        assertEquals(ShardwalException.Category.CLOSED,
            assertThrows(ShardwalException.class, () -> wal.tailer(0, 0)).category());
        assertEquals(ShardwalException.Category.CLOSED,
            assertThrows(ShardwalException.class, wal::sync).category());
    }

    /**
     * Whichever of two racing {@code close()} calls returns, the log is closed by then: the lock is released, so
     * the caller may open the log again at once.
     */
    @Test
    void shouldReturnFromEveryRacingCloseOnlyOnceTheLockIsReleased() throws Exception
    {
        for (int round = 0; round < 40; round++)
        {
            final ShardedWal wal = ShardedWal.open(options().syncMode(SyncMode.STRICT).build());
            for (int i = 0; i < 100; i++)
            {
                wal.append(new byte[] {(byte)i}, new byte[100]);
            }
            final CyclicBarrier start = new CyclicBarrier(2);
            final Thread other = Thread.ofPlatform().start(() ->
            {
                await(start);
                wal.close();
            });
            await(start);
            wal.close();
            ShardedWal.open(options().syncMode(SyncMode.STRICT).build()).close();
            other.join();
        }
    }

    private static void await(final CyclicBarrier barrier)
    {
        try
        {
            barrier.await();
        }
        catch (final InterruptedException | BrokenBarrierException e)
        {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldOpenReadOnlyOnlyWhereALogExists()
    {
        final ShardwalException e = assertThrows(ShardwalException.class,
            () -> ShardedWal.openReadOnly(dir.resolve("nowhere")));
        assertEquals(ShardwalException.Category.NOT_FOUND, e.category());
        assertTrue(e.getMessage().contains("no shardwal log"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("nowhere")), "a read-only open creates nothing");
    }

    @Test
    void shouldGiveEveryBatchRecordItsOwnAddressInItsShard()
    {
        try (ShardedWal wal = ShardedWal.open(options().syncMode(SyncMode.BATCH_ONLY).build()))
        {
            final WalBatch batch = wal.newBatch();
            for (int i = 0; i < 40; i++)
            {
                batch.add(("k" + i).getBytes(), ("v" + i).getBytes());
            }
            wal.appendBatch(batch);
            for (int i = 0; i < 40; i++)
            {
                final long address = batch.address(i);
                assertEquals(batch.shardOf(i), RecordAddress.shard(address));
                assertTrue(wal.durablePosition(RecordAddress.shard(address)) > RecordAddress.position(address),
                    "BATCH_ONLY: the batch is durable when appendBatch returns");
                final List<byte[]> values = new ArrayList<>();
                wal.iterShard(RecordAddress.shard(address), RecordAddress.position(address),
                    RecordAddress.position(address) + 1, r -> values.add(r.valueBytes()));
                assertArrayEquals(("v" + i).getBytes(), values.getFirst());
            }
            assertThrows(IllegalStateException.class, () -> batch.add(new byte[1], new byte[1]));
        }
    }
}
