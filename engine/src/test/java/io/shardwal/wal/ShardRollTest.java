package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.shardwal.mmap.BatchSource;
import io.shardwal.mmap.FrameClaim;
import io.shardwal.mmap.MappedSegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rolling a shard to its next segment while other writers still hold the previous one. */
class ShardRollTest
{
    @TempDir
    Path dir;

    /**
     * A writer that read the active segment just before the shard rolled away from it, and was slow to claim,
     * must move on to the next segment even if the old one was unmapped meanwhile (pruned, or trimmed from the
     * mapping cache once durable): the log is open, so CLOSED would be a lie.
     */
    @Test
    void shouldMoveAWriterWhoseSegmentWasUnmappedAfterTheRollToTheActiveSegment() throws Exception
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(4096)
            .prepareAhead(0).syncMode(SyncMode.ASYNC).build()))
        {
            final Shard shard = wal.shard(0);
            final CountDownLatch holding = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final AtomicLong position = new AtomicLong(-1);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread writer = Thread.ofPlatform().start(() ->
            {
                try
                {
                    position.set(shard.appendBatch(new HeldSource(holding, release), new long[1], new FrameClaim()));
                }
                catch (final Throwable e)
                {
                    failure.set(e);
                }
            });
            assertTrue(holding.await(10, TimeUnit.SECONDS), "the writer holds the first segment's appender");

            for (int i = 0; i < 12; i++)
            {
                wal.append(new byte[] {1}, new byte[1000]);
            }
            wal.sync();
            wal.createCheckpoint("c");
            assertTrue(wal.pruneBefore("c".getBytes(StandardCharsets.UTF_8)).segments() > 0);
            assertFalse(wal.segments(0).describe().containsKey(0L), "the first segment is pruned and unmapped");

            release.countDown();
            writer.join(TimeUnit.SECONDS.toMillis(10));
            assertEquals(null, failure.get());
            assertTrue(position.get() >= 4096, "appended past the pruned segment: " + position.get());
            wal.sync();
            assertEquals(wal.committedPosition(0), wal.durablePosition(0));
        }
    }

    /**
     * Creating the next segment inline (none prepared) goes through FileChannel writes and forces, which an
     * interrupt closes: an interrupted writer's append failed with an IO error that reads like a full disk.
     */
    @Test
    void shouldRollForAnInterruptedWriterAndKeepItsInterrupt()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(4096)
            .prepareAhead(0).syncMode(SyncMode.STRICT).build()))
        {
            appendInterrupted(wal);
            assertEquals(1, wal.stats().shards().get(0).rolls());
            assertEquals(wal.committedPosition(0), wal.durablePosition(0));
        }
    }

    /**
     * A creation that renamed its file into place and then failed (mapping it: ENOMEM; syncing the directory: EIO)
     * leaves the complete, empty file behind. Every later creation of that segment refused "the file already
     * exists", so the shard could never roll again until it was reopened; it must take the file over instead.
     */
    @Test
    void shouldTakeOverTheEmptyFileOfACreationThatFailedAfterItsRename() throws Exception
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(4096)
            .prepareAhead(0).syncMode(SyncMode.STRICT).build()))
        {
            final Path leftover = wal.segments(0).fileFor(4096);
            MappedSegment.create(leftover, 4096, 4096, 0).close();
            final List<Long> addresses = new ArrayList<>();
            for (int i = 0; i < 6; i++)
            {
                addresses.add(wal.append(new byte[] {1}, new byte[1000]));
            }
            assertTrue(RecordAddress.position(addresses.get(5)) >= 4096, "rolled into the left-over file");
            final List<Long> read = new ArrayList<>();
            wal.iterShard(0, 0, Long.MAX_VALUE, record -> read.add(record.address()));
            assertEquals(addresses, read);
        }
    }

    /** Taking such a file over maps it and syncs the directory: an interrupt must not fail that either. */
    @Test
    void shouldTakeOverTheLeftOverFileForAnInterruptedWriter() throws Exception
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(4096)
            .prepareAhead(0).syncMode(SyncMode.ASYNC).build()))
        {
            MappedSegment.create(wal.segments(0).fileFor(4096), 4096, 4096, 0).close();
            appendInterrupted(wal);
            assertEquals(1, wal.stats().shards().get(0).rolls());
        }
    }

    /** One one-byte record whose first {@link #size()} call blocks until the test releases it. */
    private static final class HeldSource implements BatchSource
    {
        private final CountDownLatch holding;
        private final CountDownLatch release;

        HeldSource(final CountDownLatch holding, final CountDownLatch release)
        {
            this.holding = holding;
            this.release = release;
        }

        @Override
        public int size()
        {
            if (holding.getCount() > 0)
            {
                holding.countDown();
                try
                {
                    assertTrue(release.await(30, TimeUnit.SECONDS));
                }
                catch (final InterruptedException e)
                {
                    throw new AssertionError(e);
                }
            }
            return 1;
        }

        @Override
        public int keyLength(final int index)
        {
            return 1;
        }

        @Override
        public int valueLength(final int index)
        {
            return 1;
        }

        @Override
        public void copyKey(final int index, final MemorySegment destination, final long offset)
        {
            destination.set(ValueLayout.JAVA_BYTE, offset, (byte)7);
        }

        @Override
        public void copyValue(final int index, final MemorySegment destination, final long offset)
        {
            destination.set(ValueLayout.JAVA_BYTE, offset, (byte)9);
        }
    }

    /** Six appends of 1000 bytes (a roll in 4096-byte segments) on a thread whose interrupt is set; each keeps it. */
    private static void appendInterrupted(final ShardedWal wal)
    {
        Thread.currentThread().interrupt();
        try
        {
            for (int i = 0; i < 6; i++)
            {
                wal.append(new byte[] {1}, new byte[1000]);
                assertTrue(Thread.currentThread().isInterrupted(), "append " + i + " kept the interrupt");
            }
        }
        finally
        {
            Thread.interrupted();
        }
    }
}
