package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.shardwal.metrics.ShardStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of rolls over tiny segments while writers append and tailers — in this log and in a read-only open
 * of it — follow every shard live: each tailer sees every record of its shard exactly once, in position order,
 * across every roll, and the committed and durable frontiers never go backwards.
 */
class RollingTailerTest
{
    private static final int SHARDS = 2;
    private static final int WRITERS = 4;
    private static final int PER_WRITER = 12_000;

    @TempDir
    Path dir;

    @Test
    void shouldFollowEveryShardLiveAcrossThousandsOfRolls() throws Exception
    {
        final WalOptions options = WalOptions.builder(dir).shardCount(SHARDS).segmentSize(4096)
            .syncMode(SyncMode.ASYNC).syncInterval(java.time.Duration.ofMillis(1)).maxOpenReaderSegments(4).build();
        final List<Records.Ack> acks = Collections.synchronizedList(new ArrayList<>());
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicBoolean writing = new AtomicBoolean(true);
        try (ShardedWal wal = ShardedWal.open(options); ShardedWal reader = ShardedWal.openReadOnly(dir))
        {
            final List<List<Long>> seenLive = new ArrayList<>();
            final List<List<Long>> seenReadOnly = new ArrayList<>();
            final List<Thread> threads = new ArrayList<>();
            for (int shard = 0; shard < SHARDS; shard++)
            {
                seenLive.add(Collections.synchronizedList(new ArrayList<>()));
                seenReadOnly.add(Collections.synchronizedList(new ArrayList<>()));
                threads.add(follow(wal, shard, seenLive.get(shard), writing, failure));
                threads.add(follow(reader, shard, seenReadOnly.get(shard), writing, failure));
            }
            threads.add(watchFrontiers(wal, writing, failure));
            final CountDownLatch done = new CountDownLatch(WRITERS);
            for (int w = 0; w < WRITERS; w++)
            {
                final int writer = w;
                Thread.ofPlatform().start(() ->
                {
                    try
                    {
                        for (int i = 0; i < PER_WRITER; i++)
                        {
                            final byte[] key = Records.key(writer, i, 1000);
                            final byte[] value = Records.value(writer, i, 150);
                            acks.add(new Records.Ack(wal.append(key, value), key, value));
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
            writing.set(false);
            for (final Thread thread : threads)
            {
                thread.join(TimeUnit.MINUTES.toMillis(1));
            }
            if (failure.get() != null)
            {
                throw new AssertionError(failure.get());
            }
            for (int shard = 0; shard < SHARDS; shard++)
            {
                final int s = shard;
                final List<Long> expected = acks.stream().map(Records.Ack::address)
                    .filter(address -> RecordAddress.shard(address) == s).sorted().toList();
                assertEquals(expected, seenLive.get(shard), "live tailer of shard " + shard);
                assertEquals(expected, seenReadOnly.get(shard), "read-only tailer of shard " + shard);
            }
            long rolls = 0;
            for (final ShardStats stats : wal.stats().shards())
            {
                rolls += stats.rolls();
            }
            assertTrue(rolls > 1000, "thousands of rolls happened: " + rolls);
            Records.assertAllPresent(acks, Records.readAll(wal));
        }
    }

    private static Thread follow(final ShardedWal wal, final int shard, final List<Long> seen,
        final AtomicBoolean writing, final AtomicReference<Throwable> failure)
    {
        return Thread.ofPlatform().start(() ->
        {
            try (Tailer tailer = wal.tailer(shard, 0))
            {
                int idle = 0;
                while (idle < 50)
                {
                    final int read = tailer.poll(record ->
                    {
                        Records.check(record.valueBytes());
                        seen.add(record.address());
                    }, 100);
                    idle = read > 0 || writing.get() ? 0 : idle + 1;
                    if (read == 0)
                    {
                        Thread.sleep(1);
                    }
                }
            }
            catch (final Throwable e)
            {
                failure.compareAndSet(null, e);
            }
        });
    }

    private static Thread watchFrontiers(final ShardedWal wal, final AtomicBoolean writing,
        final AtomicReference<Throwable> failure)
    {
        return Thread.ofPlatform().start(() ->
        {
            final long[] committed = new long[SHARDS];
            final long[] durable = new long[SHARDS];
            try
            {
                while (writing.get())
                {
                    for (int shard = 0; shard < SHARDS; shard++)
                    {
                        final long c = wal.committedPosition(shard);
                        final long d = wal.durablePosition(shard);
                        if (c < committed[shard] || d < durable[shard] || d > c)
                        {
                            throw new AssertionError("shard " + shard + " frontiers went wrong: committed "
                                + committed[shard] + " -> " + c + ", durable " + durable[shard] + " -> " + d);
                        }
                        committed[shard] = c;
                        durable[shard] = d;
                    }
                    Thread.sleep(1);
                }
            }
            catch (final Throwable e)
            {
                failure.compareAndSet(null, e);
            }
        });
    }
}
