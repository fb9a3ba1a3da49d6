package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.mmap.ShardwalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link WalOptions#claimTimeout()}: claims left open are padded over, and their owners' commits fail. */
class ClaimTimeoutTest
{
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(20);

    @TempDir
    Path dir;

    private WalOptions options(final Duration claimTimeout)
    {
        return WalOptions.builder(dir).shardCount(1).segmentSize(1 << 16).syncMode(SyncMode.ASYNC)
            .claimTimeout(claimTimeout).build();
    }

    @Test
    void shouldPadOverAForgottenClaimSoThatTailersAndCheckpointsPassIt() throws IOException
    {
        final WalClaim forgotten = new WalClaim();
        final List<Long> acknowledged = new ArrayList<>();
        final List<String> logged;
        final long claimed;
        try (ShardedWal wal = ShardedWal.open(options(Duration.ofMillis(100)));
            Tailer tailer = wal.tailer(0, 0))
        {
            final List<Long> tailed = new ArrayList<>();
            final long[] address = new long[1];
            logged = LoggedLines.during(() ->
            {
                address[0] = wal.tryClaim(new byte[] {1}, 8, forgotten);
                for (int i = 0; i < 3; i++)
                {
                    acknowledged.add(wal.append(new byte[] {2}, new byte[] {(byte)i}));
                }
                final long start = System.nanoTime();
                while (tailed.size() < 3 || wal.stats().shards().getFirst().unblockedClaims() == 0)
                {
                    assertTrue(System.nanoTime() - start < DEADLINE_NANOS, "the tailer passes the claim in time");
                    tailer.poll(record -> tailed.add(record.address()), 10);
                    Thread.onSpinWait();
                }
            });
            claimed = RecordAddress.position(address[0]);
            assertEquals(acknowledged, tailed, "every record behind the claim, and nothing of the claim");
            assertEquals(1, wal.stats().shards().getFirst().unblockedClaims());
            assertTrue(logged.stream().anyMatch(line -> line.contains("shard 0: padded over the claim at position "
                + claimed) && line.contains("claimTimeout PT0.1S")), logged.toString());

            forgotten.putValue(0, new byte[8], 0, 8); // late stores of the owner land in the padding
            final ShardwalException failure = assertThrows(ShardwalException.class, forgotten::commit);
            assertEquals(ShardwalException.Category.TIMEOUT, failure.category());
            assertTrue(failure.getMessage().startsWith("TIMEOUT: shard 0: the claim at position " + claimed),
                failure.getMessage());
            assertTrue(failure.getMessage().contains("the record was not written"), failure.getMessage());
            assertFalse(forgotten.isActive());
            final Checkpoint checkpoint = wal.createCheckpoint("after");
            assertEquals(wal.committedPosition(0), checkpoint.position(0), "the checkpoint passes the padding");
        }
        try (ShardedWal reopened = ShardedWal.open(options(Duration.ofMillis(100))))
        {
            assertTrue(reopened.recoveryReport().repairs().isEmpty(), "the padding is a valid frame, not damage: "
                + reopened.recoveryReport().repairs());
            final List<Long> read = new ArrayList<>();
            reopened.iterShard(0, 0, Long.MAX_VALUE, record -> read.add(record.address()));
            assertEquals(acknowledged, read);
        }
    }

    @Test
    void shouldLeaveAClaimAloneThatIsCommittedWithinTheTimeout() throws InterruptedException
    {
        try (ShardedWal wal = ShardedWal.open(options(Duration.ofSeconds(2))); WalClaim claim = new WalClaim())
        {
            final long address = wal.tryClaim(new byte[] {1}, 8, claim);
            wal.append(new byte[] {2}, new byte[] {3});
            Thread.sleep(300);
            claim.putValue(0, new byte[8], 0, 8);
            assertEquals(address, claim.commit());
            assertEquals(0, wal.stats().shards().getFirst().unblockedClaims());
            assertEquals(2, wal.iterShard(0, 0, Long.MAX_VALUE, record -> { }));
        }
    }

    /**
     * Writers append copies and batches while one thread keeps claims open past the timeout: every append that
     * returned is read back once, in order, nothing of an append that failed is, and recovery finds no damage.
     */
    @Test
    void shouldDeliverExactlyTheAcknowledgedRecordsWhileClaimsArePaddedOver() throws Exception
    {
        final Set<Long> acknowledged = Collections.synchronizedSet(new HashSet<>());
        final int[] timedOut = new int[1];
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(2).segmentSize(1 << 16)
            .syncMode(SyncMode.ASYNC).claimTimeout(Duration.ofMillis(20)).build()))
        {
            final List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 2; t++)
            {
                final int thread = t;
                writers.add(Thread.ofPlatform().start(() ->
                {
                    final WalBatch batch = wal.newBatch();
                    for (int i = 0; i < 20_000; i++)
                    {
                        final byte[] key = ByteBuffer.allocate(8).putInt(thread).putInt(i).array();
                        try
                        {
                            if (i % 100 == 0)
                            {
                                batch.clear().add(key, key).add(key, new byte[40]);
                                wal.appendBatch(batch);
                                acknowledged.add(batch.address(0));
                                acknowledged.add(batch.address(1));
                            }
                            else
                            {
                                acknowledged.add(wal.append(key, key));
                            }
                        }
                        catch (final ShardwalException e)
                        {
                            // a writer descheduled for the whole timeout: its record is refused, not lost
                            if (e.category() != ShardwalException.Category.TIMEOUT)
                            {
                                failures.add(e);
                            }
                        }
                    }
                }));
            }
            try (WalClaim claim = new WalClaim())
            {
                for (int i = 0; i < 10; i++)
                {
                    final long address = wal.tryClaim(new byte[] {(byte)i}, 16, claim);
                    Thread.sleep(i % 2 == 0 ? 200 : 0); // every other claim outlives the timeout
                    try
                    {
                        claim.putValue(0, new byte[16], 0, 16);
                        final long committed = claim.commit();
                        assertEquals(address, committed);
                        acknowledged.add(committed);
                    }
                    catch (final ShardwalException e)
                    {
                        assertEquals(ShardwalException.Category.TIMEOUT, e.category(), e.getMessage());
                        timedOut[0]++;
                    }
                }
            }
            for (final Thread writer : writers)
            {
                writer.join();
            }
            assertEquals(List.of(), failures);
            assertTrue(timedOut[0] > 0, "the claims held for 200 ms were padded over");
            final long unblocked = wal.stats().shards().stream().mapToLong(s -> s.unblockedClaims()).sum();
            assertTrue(unblocked >= timedOut[0], unblocked + " unblocked, " + timedOut[0] + " timed out");
        }
        try (ShardedWal reopened = ShardedWal.openReadOnly(dir))
        {
            final Set<Long> read = ConcurrentHashMap.newKeySet();
            final long count = reopened.replay(record -> assertTrue(read.add(record.address()), "delivered once"), 2);
            final Set<Long> missing = new HashSet<>(acknowledged);
            missing.removeAll(read);
            final Set<Long> extra = new HashSet<>(read);
            extra.removeAll(acknowledged);
            assertEquals(Set.of(), missing, "acknowledged records not read back");
            assertEquals(Set.of(), extra, "records read back whose append failed");
            assertEquals(acknowledged.size(), count);
        }
    }

    @Test
    void shouldRefuseAClaimTimeoutTooShortToTellAStuckWriterFromADescheduledOne()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> options(Duration.ofMillis(9)));
        assertEquals("claimTimeout must be at least PT0.01S, not PT0.009S", e.getMessage());
        assertThrows(NullPointerException.class, () -> WalOptions.builder(dir).claimTimeout(null));
        assertEquals(WalOptions.DEFAULT_CLAIM_TIMEOUT, WalOptions.builder(dir).build().claimTimeout());
        assertEquals(Duration.ofMillis(10), options(Duration.ofMillis(10)).toBuilder().build().claimTimeout());
    }
}
