package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many threads append random records — single appends, batches and zero-copy claims — to logs of 1 to 16 shards
 * in every sync mode. Every acknowledged record must come back intact at the address it was acknowledged with,
 * per-key order must hold, and the same must be true after the log is closed and reopened.
 */
class RandomWorkloadTest
{
    @TempDir
    Path dir;

    static Stream<Arguments> workloads()
    {
        return Stream.of(
            Arguments.of(1, 1, SyncMode.ASYNC),
            Arguments.of(1, 8, SyncMode.ASYNC),
            Arguments.of(4, 4, SyncMode.BATCH_ONLY),
            Arguments.of(7, 3, SyncMode.STRICT),
            Arguments.of(16, 8, SyncMode.ASYNC),
            Arguments.of(16, 2, SyncMode.STRICT));
    }

    @ParameterizedTest(name = "{0} shards, {1} threads, {2}")
    @MethodSource("workloads")
    void shouldReturnEveryAcknowledgedRecordIntactAndInKeyOrder(final int shards, final int threads,
        final SyncMode mode) throws Exception
    {
        final WalOptions options = WalOptions.builder(dir).shardCount(shards).segmentSize(64 * 1024).syncMode(mode)
            .syncInterval(java.time.Duration.ofMillis(2)).build();
        final int perThread = mode == SyncMode.STRICT ? 1500 : 6000;
        final List<Records.Ack> acks = Collections.synchronizedList(new ArrayList<>());
        try (ShardedWal wal = ShardedWal.open(options))
        {
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final CountDownLatch done = new CountDownLatch(threads);
            for (int t = 0; t < threads; t++)
            {
                final int writer = t;
                Thread.ofPlatform().start(() ->
                {
                    try
                    {
                        write(wal, writer, perThread, acks);
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
            done.await();
            if (failure.get() != null)
            {
                throw new AssertionError(failure.get());
            }
            final Map<Long, Records.WalRecordCopy> live = Records.readAll(wal);
            assertEquals(acks.size(), live.size(), "nothing but the acknowledged records");
            Records.assertAllPresent(acks, live);
            assertKeyOrder(live);
        }
        try (ShardedWal reopened = ShardedWal.open(options))
        {
            assertTrue(reopened.recoveryReport().clean(), reopened.recoveryReport().summary());
            final Map<Long, Records.WalRecordCopy> found = Records.readAll(reopened);
            assertEquals(acks.size(), found.size());
            Records.assertAllPresent(acks, found);
        }
    }

    private static void write(final ShardedWal wal, final int writer, final int count, final List<Records.Ack> acks)
    {
        final SplittableRandom random = new SplittableRandom(writer);
        final WalBatch batch = wal.newBatch();
        final WalClaim claim = new WalClaim();
        long sequence = 0;
        while (sequence < count)
        {
            final int kind = random.nextInt(10);
            if (kind == 0)
            {
                batch.clear();
                final int size = 1 + random.nextInt(20);
                final List<byte[][]> records = new ArrayList<>();
                for (int i = 0; i < size; i++, sequence++)
                {
                    final byte[] key = Records.key(writer, sequence, 50);
                    final byte[] value = Records.value(writer, sequence, 200);
                    batch.add(key, value);
                    records.add(new byte[][] {key, value});
                }
                wal.appendBatch(batch);
                for (int i = 0; i < size; i++)
                {
                    acks.add(new Records.Ack(batch.address(i), records.get(i)[0], records.get(i)[1]));
                }
            }
            else if (kind == 1)
            {
                final byte[] key = Records.key(writer, sequence, 50);
                final byte[] value = Records.value(writer, sequence, 200);
                wal.tryClaim(key, value.length, claim);
                claim.putValue(0, value, 0, value.length);
                acks.add(new Records.Ack(claim.commit(), key, value));
                sequence++;
            }
            else
            {
                final byte[] key = Records.key(writer, sequence, 50);
                final byte[] value = Records.value(writer, sequence, random.nextInt(4) == 0 ? 3000 : 200);
                acks.add(new Records.Ack(wal.append(key, value), key, value));
                sequence++;
            }
        }
    }

    /** Within a shard, records of one key by one writer appear in that writer's sequence order. */
    private static void assertKeyOrder(final Map<Long, Records.WalRecordCopy> records)
    {
        final List<Records.WalRecordCopy> sorted = new ArrayList<>(records.values());
        sorted.sort((a, b) -> a.shard() != b.shard() ? Integer.compare(a.shard(), b.shard())
            : Long.compare(a.position(), b.position()));
        final Map<String, Long> lastSequence = new HashMap<>();
        for (final Records.WalRecordCopy record : sorted)
        {
            final long[] id = Records.check(record.value());
            final String keyOfWriter = new String(record.key()) + "/" + id[0];
            final Long previous = lastSequence.put(keyOfWriter, id[1]);
            if (previous != null && previous >= id[1])
            {
                throw new AssertionError("key " + keyOfWriter + ": sequence " + id[1] + " after " + previous);
            }
        }
    }
}
