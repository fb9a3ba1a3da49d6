package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.shardwal.mmap.FrameClaim;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start at a record inside a batch. Its frame is written, with its positive length and valid checksum, before the
 * batch header commits, and it stays in the bytes when the header never does (a batch whose fill failed, or that
 * recovery set aside): it is a record of the log only once its batch is committed. Until then a tailer waits there
 * as at any record not committed yet, and a range read ends before it; once the batch turns out to be padding
 * instead, the start is one inside that padding, refused like any start inside a frame.
 */
class TailerBatchStartTest
{
    private static final byte[] KEY = {1};
    /** The first record (1-byte key, 64-byte value) takes 80 bytes: the batch header is at 80. */
    private static final long BATCH = 80;
    /** Records of 1-byte keys and values take 16 bytes each, after the batch's 16-byte header. */
    private static final long RECORD_0 = BATCH + 16;
    private static final long RECORD_1 = BATCH + 32;
    /** A batch of three such records: header and records. */
    private static final int BATCH_LENGTH = 64;

    @TempDir
    Path dir;

    private WalOptions options(final String name)
    {
        return WalOptions.builder(dir.resolve(name)).shardCount(1).segmentSize(1 << 16).syncMode(SyncMode.ASYNC)
            .build();
    }

    /** A log whose first record ends at {@link #BATCH}. */
    private ShardedWal open(final String name)
    {
        final ShardedWal wal = ShardedWal.open(options(name));
        wal.append(KEY, new byte[64]);
        return wal;
    }

    /** Appends a batch of three records to shard 0's first segment; {@code whileWriting} runs as record 2 is copied. */
    private static long[] appendBatch(final ShardedWal wal, final Runnable whileWriting) throws IOException
    {
        final long[] positions = new long[3];
        try (MappedSegment segment = MappedSegment.openReadWrite(wal.shard(0).segments().fileFor(0)))
        {
            assertEquals(BATCH, new SegmentAppender(segment).appendBatch(new HeldBatch(3, 2, whileWriting),
                positions, new FrameClaim()));
        }
        return positions;
    }

    private static int poll(final Tailer tailer, final List<Long> seen)
    {
        return tailer.poll(r -> seen.add(r.position()), 10);
    }

    @Test
    void shouldNotDeliverARecordOfABatchBeingWrittenBeforeTheBatchCommits() throws IOException
    {
        try (ShardedWal wal = open("log"); ShardedWal readOnly = ShardedWal.openReadOnly(dir.resolve("log")))
        {
            final List<Long> seen = new ArrayList<>();
            try (Tailer early = wal.tailer(0, RECORD_1))
            {
                assertEquals(0, poll(early, seen), "nothing written there yet");
                final List<Tailer> tailers = new ArrayList<>(List.of(early));
                final long[] positions = appendBatch(wal, () ->
                {
                    // Records 0 and 1 are written, with their positive lengths; the batch header is not committed.
                    tailers.add(wal.tailer(0, RECORD_0));
                    tailers.add(readOnly.tailer(0, RECORD_0));
                    tailers.add(readOnly.tailer(0, RECORD_1));
                    for (final Tailer tailer : tailers)
                    {
                        assertEquals(0, poll(tailer, seen), "a record of a batch not committed yet: wait");
                        assertEquals(0, poll(tailer, seen));
                    }
                    assertEquals(0, wal.iterShard(0, RECORD_0, Long.MAX_VALUE, r -> seen.add(r.position())),
                        "not committed: beyond the committed end");
                    assertEquals(0, readOnly.iterShard(0, RECORD_1, Long.MAX_VALUE, r -> seen.add(r.position())));
                });
                assertEquals(List.of(), seen);
                assertEquals(List.of(RECORD_0, RECORD_1, RECORD_1 + 16), List.of(positions[0], positions[1],
                    positions[2]));
                for (final Tailer tailer : tailers)
                {
                    final long start = tailer.position();
                    seen.clear();
                    assertEquals(start == RECORD_0 ? 3 : 2, poll(tailer, seen));
                    assertEquals(start, seen.getFirst(), "the first record read is the one started at");
                    tailer.close();
                }
            }
        }
    }

    /**
     * A start at a committed batch's header is proven by that header: its records are delivered at once, however
     * long an earlier batch takes to be written (a checkpoint or an append's position can be a batch header).
     */
    @Test
    void shouldDeliverAtOnceTheRecordsOfACommittedBatchStartedAtItsHeader() throws IOException
    {
        try (ShardedWal wal = open("log"))
        {
            final long later = BATCH + BATCH_LENGTH;
            final List<Long> seen = new ArrayList<>();
            appendBatch(wal, () ->
            {
                final long[] positions = new long[2];
                assertEquals(later, wal.shard(0).appendBatch(new HeldBatch(2, -1, null), positions,
                    new FrameClaim()));
                try (Tailer tailer = wal.tailer(0, later))
                {
                    assertEquals(2, poll(tailer, seen), "the batch at the start is committed");
                }
                assertEquals(List.of(positions[0], positions[1]), seen);
            });
        }
    }

    @Test
    void shouldRefuseAStartAtARecordOfABatchWhoseFillFailed() throws IOException
    {
        try (ShardedWal wal = open("log"))
        {
            final List<Long> seen = new ArrayList<>();
            try (Tailer waiting = wal.tailer(0, RECORD_0))
            {
                final IllegalArgumentException failed = assertThrows(IllegalArgumentException.class,
                    () -> appendBatch(wal, () ->
                    {
                        assertEquals(0, poll(waiting, seen), "a record of a batch not committed yet: wait");
                        throw new IllegalStateException("the source of record 2 is gone");
                    }));
                assertTrue(failed.getMessage().contains("committed as padding"), failed.getMessage());
                assertInsideBatch(assertThrows(IllegalArgumentException.class, () -> poll(waiting, seen)), RECORD_0);
            }
            final long after = wal.append(KEY, new byte[64]);
            for (final long start : List.of(RECORD_0, RECORD_1))
            {
                try (Tailer tailer = wal.tailer(0, start))
                {
                    assertInsideBatch(assertThrows(IllegalArgumentException.class, () -> poll(tailer, seen)), start);
                }
                assertInsideBatch(assertThrows(IllegalArgumentException.class,
                    () -> wal.iterShard(0, start, Long.MAX_VALUE, r -> { })), start);
            }
            assertEquals(List.of(), seen);
            final List<Long> all = new ArrayList<>();
            assertEquals(2, wal.iterShard(0, 0, Long.MAX_VALUE, r -> all.add(r.address())));
            assertEquals(after, all.getLast(), "the batch was never part of the log");
        }
    }

    @Test
    void shouldRefuseAStartAtARecordOfABatchThatRecoverySetAside() throws IOException
    {
        final Path image = dir.resolve("image");
        try (ShardedWal wal = open("log"))
        {
            appendBatch(wal, () ->
            {
                wal.append(KEY, new byte[64]);                  // a record after the batch's claim
                CrashImages.copy(dir.resolve("log"), image);    // the writer dies before the batch commits
            });
        }
        try (ShardedWal wal = ShardedWal.open(options("image")))
        {
            assertTrue(wal.recoveryReport().repairs().stream().anyMatch(repair -> repair.kind().equals("DEAD_CLAIM")
                && repair.position() == BATCH && repair.bytes() == BATCH_LENGTH), wal.recoveryReport().summary());
            for (final long start : List.of(RECORD_0, RECORD_1))
            {
                try (Tailer tailer = wal.tailer(0, start))
                {
                    assertInsideBatch(assertThrows(IllegalArgumentException.class, () -> tailer.poll(r -> { }, 10)),
                        start);
                }
                assertInsideBatch(assertThrows(IllegalArgumentException.class,
                    () -> wal.iterShard(0, start, Long.MAX_VALUE, r -> { })), start);
            }
            assertEquals(2, wal.iterShard(0, 0, Long.MAX_VALUE, r -> { }));
        }
    }

    private static void assertInsideBatch(final IllegalArgumentException e, final long start)
    {
        assertTrue(e.getMessage().contains("position " + start + " is not a record position"), e.getMessage());
        assertTrue(e.getMessage().contains("inside the frame at position " + BATCH + " (" + BATCH_LENGTH + " bytes)"),
            e.getMessage());
    }

    @Test
    void shouldStartAtEveryRecordOfCommittedBatchesInEverySegment()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir.resolve("log")).shardCount(1).segmentSize(4096)
            .syncMode(SyncMode.ASYNC).build()))
        {
            final List<Long> addresses = new ArrayList<>();
            for (int b = 0; b < 120; b++)
            {
                wal.append(KEY, new byte[b % 7]);
                final WalBatch batch = wal.newBatch();
                for (int i = 0; i < 1 + b % 5; i++)
                {
                    batch.add(KEY, new byte[b + i]);
                }
                wal.appendBatch(batch);
                for (int i = 0; i < batch.size(); i++)
                {
                    addresses.add(batch.address(i));
                }
            }
            assertTrue(RecordAddress.position(addresses.getLast()) > 4 * 4096, "the batches span segments");
            // Every start twice and out of order: the second time in a segment is told from what the first walked.
            for (int round = 0; round < 2; round++)
            {
                for (int i = addresses.size() - 1; i >= 0; i -= 1 + round)
                {
                    final long address = addresses.get(i);
                    final List<Long> seen = new ArrayList<>();
                    try (Tailer tailer = wal.tailer(0, RecordAddress.position(address)))
                    {
                        tailer.poll(r -> seen.add(r.address()), 1);
                    }
                    assertEquals(List.of(address), seen);
                    assertEquals(1, wal.iterShard(0, RecordAddress.position(address),
                        RecordAddress.position(address) + 1, r -> { }));
                }
            }
        }
    }

    @Test
    void shouldStartAtRecordsOfBatchesWhileWritersAppendThemAcrossRolls() throws Exception
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir.resolve("live")).shardCount(1)
            .segmentSize(1 << 16).syncMode(SyncMode.ASYNC).build()))
        {
            LiveStarts.check(wal, (random, latest, stop) -> appendBatchesUntilStopped(wal, random, latest, stop));
        }
    }

    @Test
    void shouldWaitAtRecordsOfBatchesNotWrittenYetAndReadEachOnceItsBatchCommits() throws Exception
    {
        // One writer appends batches of three 16-byte records, 64 bytes a batch, so batch i starts at 64 * i (a
        // segment holds 1024 of them exactly); tailers start at records of batches it has not written yet.
        final int batches = 8 * 1024;
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir.resolve("live")).shardCount(1)
            .segmentSize(1 << 16).syncMode(SyncMode.ASYNC).build()))
        {
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread writer = Thread.ofPlatform().start(() ->
            {
                try
                {
                    for (int i = 0; i < batches; i++)
                    {
                        final WalBatch batch = wal.newBatch();
                        for (int j = 0; j < 3; j++)
                        {
                            batch.add(new byte[] {(byte)j}, new byte[] {(byte)i, (byte)(i >> 8), (byte)(i >> 16)});
                        }
                        wal.appendBatch(batch);
                    }
                }
                catch (final RuntimeException | Error e)
                {
                    failure.compareAndSet(null, e);
                }
            });
            final long deadline = System.nanoTime() + 60_000_000_000L;
            for (int ahead = 0; writer.isAlive() && System.nanoTime() < deadline; ahead++)
            {
                readEachRecordOf((int)Math.min(batches - 1, wal.committedPosition(0) / 64 + 1 + ahead % 4), wal,
                    deadline);
            }
            writer.join();
            assertNull(failure.get(), "the writer failed");
        }
    }

    /**
     * Starts a tailer at each record of the {@code i}th batch of three 16-byte records (at {@code 64 * i}), reads one
     * record from each, then checks that a start 8 bytes before each record is one inside the frame before it.
     */
    private static void readEachRecordOf(final int i, final ShardedWal wal, final long deadline)
    {
        final List<Tailer> tailers = new ArrayList<>();
        try
        {
            for (int j = 0; j < 3; j++)
            {
                tailers.add(wal.tailer(0, 64L * i + 16 * (j + 1)));
            }
            final List<List<String>> seen = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            while (seen.stream().anyMatch(List::isEmpty) && System.nanoTime() < deadline)
            {
                for (int j = 0; j < 3; j++)
                {
                    final List<String> into = seen.get(j);
                    if (into.isEmpty())
                    {
                        tailers.get(j).poll(r -> into.add(r.position() + ": " + Arrays.toString(r.keyBytes())
                            + Arrays.toString(r.valueBytes())), 1);
                    }
                }
                Thread.onSpinWait();
            }
            for (int j = 0; j < 3; j++)
            {
                final long start = 64L * i + 16 * (j + 1);
                assertEquals(List.of(start + ": [" + j + "][" + (byte)i + ", " + (byte)(i >> 8) + ", "
                    + (byte)(i >> 16) + "]"), seen.get(j), "the record started at, of the batch it was written in");
                try (Tailer inside = wal.tailer(0, start - 8))
                {
                    final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> inside.poll(r -> { }, 1), "8 bytes before a record is inside the frame before");
                    assertTrue(e.getMessage().contains("inside the frame at position " + (start - 16)),
                        e.getMessage());
                }
            }
        }
        finally
        {
            tailers.forEach(Tailer::close);
        }
    }

    /** Appends batches of 1 to 8 records, publishing the address of a random record of each. */
    private static void appendBatchesUntilStopped(final ShardedWal wal, final Random random, final AtomicLong latest,
        final AtomicBoolean stop)
    {
        while (!stop.get())
        {
            final WalBatch batch = wal.newBatch();
            final int size = 1 + random.nextInt(8);
            for (int i = 0; i < size; i++)
            {
                batch.add(KEY, new byte[random.nextInt(200)]);
            }
            wal.appendBatch(batch);
            latest.set(batch.address(random.nextInt(size)));
        }
    }
}
