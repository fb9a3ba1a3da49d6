package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.mmap.FrameDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers on every shard while one thread creates checkpoints, one compacts the checkpoint log and one prunes
 * below older checkpoints: no checkpoint is lost, recorded positions never go backwards, every append that
 * returned before a checkpoint lies at or below it, and every acknowledged record above the pruned segments is
 * still there — before and after reopening.
 */
class CheckpointConcurrencyTest
{
    private static final int SHARDS = 4;

    @TempDir
    Path dir;

    /** A checkpoint and how many appends had returned when its creation began. */
    private record Created(Checkpoint checkpoint, int acknowledgedBefore)
    {
    }

    @Test
    void shouldLoseNoCheckpointAndNoAcknowledgedRecordWhileCheckpointingCompactingAndPruning() throws Exception
    {
        final WalOptions options = WalOptions.builder(dir).shardCount(SHARDS).segmentSize(8192)
            .syncMode(SyncMode.ASYNC).syncInterval(Duration.ofMillis(5)).build();
        final List<Records.Ack> acks = Collections.synchronizedList(new ArrayList<>());
        final List<Created> created = new CopyOnWriteArrayList<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicReference<Long> lastCompactionStart = new AtomicReference<>(-1L);
        try (ShardedWal wal = ShardedWal.open(options))
        {
            final List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < 3; w++)
            {
                final int writer = w;
                threads.add(loop(running, failure, () ->
                {
                    for (int i = 0; i < 50; i++)
                    {
                        final long sequence = acks.size() * 10L + writer;
                        final byte[] key = Records.key(writer, sequence, 64);
                        final byte[] value = Records.value(writer, sequence, 120);
                        acks.add(new Records.Ack(wal.append(key, value), key, value));
                    }
                }));
            }
            threads.add(loop(running, failure, () ->
            {
                final int before = acks.size();
                created.add(new Created(wal.createCheckpoint("c-" + created.size()), before));
                Thread.sleep(2);
            }));
            threads.add(loop(running, failure, () ->
            {
                lastCompactionStart.set((long)created.size());
                wal.compactCheckpoints(5);
                Thread.sleep(5);
            }));
            final java.util.concurrent.atomic.AtomicInteger prunes = new java.util.concurrent.atomic.AtomicInteger();
            threads.add(loop(running, failure, () ->
            {
                if (created.size() > 4)
                {
                    try
                    {
                        wal.pruneBefore(created.get(created.size() - 4).checkpoint().id());
                        prunes.incrementAndGet();
                    }
                    catch (final io.shardwal.mmap.ShardwalException e)
                    {
                        // The id may have been compacted away in the meantime: a clear NOT_FOUND is the answer.
                        assertEquals(io.shardwal.mmap.ShardwalException.Category.NOT_FOUND, e.category());
                    }
                }
                Thread.sleep(7);
            }));
            // Run until enough happened, not for a fixed time: a loaded machine is slow, not wrong.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while ((created.size() < 25 || prunes.get() < 6) && System.nanoTime() < deadline && failure.get() == null)
            {
                Thread.sleep(50);
            }
            running.set(false);
            for (final Thread thread : threads)
            {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
            if (failure.get() != null)
            {
                throw new AssertionError(failure.get());
            }
            assertTrue(created.size() > 20, "checkpoints were created: " + created.size());
            assertTrue(prunes.get() > 5, "pruning ran: " + prunes.get());
            assertConsistent(created, acks);
            assertNoCheckpointLost(created, wal.listCheckpoints(), lastCompactionStart.get());
            assertAcknowledgedAbovePruningPresent(wal, acks);
        }
        try (ShardedWal reopened = ShardedWal.open(options))
        {
            assertAcknowledgedAbovePruningPresent(reopened, acks);
            assertEquals(created.getLast().checkpoint(), reopened.loadLatestCheckpoint().orElseThrow());
        }
    }

    private static void assertConsistent(final List<Created> created, final List<Records.Ack> acks)
    {
        for (int i = 0; i < created.size(); i++)
        {
            final Checkpoint checkpoint = created.get(i).checkpoint();
            if (i > 0)
            {
                for (int shard = 0; shard < SHARDS; shard++)
                {
                    assertTrue(checkpoint.position(shard) >= created.get(i - 1).checkpoint().position(shard),
                        "positions never go backwards: " + checkpoint);
                }
            }
            for (final Records.Ack ack : acks.subList(0, created.get(i).acknowledgedBefore()))
            {
                final long end = RecordAddress.position(ack.address()) + FrameDescriptor.align(
                    (int)FrameDescriptor.dataFrameLength(ack.key().length, ack.value().length));
                assertTrue(end <= checkpoint.position(RecordAddress.shard(ack.address())),
                    "an append that returned before " + checkpoint.idText() + " lies at or below it");
            }
        }
    }

    private static void assertNoCheckpointLost(final List<Created> created, final List<Checkpoint> inLog,
        final long lastCompactionStart)
    {
        final List<Checkpoint> all = created.stream().map(Created::checkpoint).toList();
        assertEquals(all.subList(all.size() - inLog.size(), all.size()), inLog,
            "the log holds a suffix of the created checkpoints, in creation order");
        assertTrue(inLog.size() >= all.size() - lastCompactionStart,
            "every checkpoint created after the last compaction began is still there");
        assertTrue(inLog.size() >= 5);
    }

    private static void assertAcknowledgedAbovePruningPresent(final ShardedWal wal, final List<Records.Ack> acks)
    {
        final Map<Long, Records.WalRecordCopy> found = Records.readAll(wal);
        final List<Records.Ack> kept = acks.stream().filter(ack -> RecordAddress.position(ack.address())
            >= wal.firstPosition(RecordAddress.shard(ack.address()))).toList();
        assertTrue(kept.size() < acks.size(), "pruning removed old segments");
        Records.assertAllPresent(kept, found);
        assertEquals(kept.size(), found.size());
    }

    /** Runs {@code body} repeatedly on a new thread until {@code running} clears or it fails. */
    private static Thread loop(final AtomicBoolean running, final AtomicReference<Throwable> failure,
        final ThrowingRunnable body)
    {
        return Thread.ofPlatform().start(() ->
        {
            try
            {
                while (running.get())
                {
                    body.run();
                }
            }
            catch (final Throwable e)
            {
                failure.compareAndSet(null, e);
            }
        });
    }

    @FunctionalInterface
    private interface ThrowingRunnable
    {
        void run() throws Exception;
    }
}
