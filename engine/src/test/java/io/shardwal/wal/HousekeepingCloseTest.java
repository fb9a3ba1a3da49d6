package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closing waits for the background threads whatever interrupts the closing thread gets. */
class HousekeepingCloseTest
{
    private static final int SEGMENT = 1 << 16;

    @TempDir
    Path dir;

    /**
     * An interrupt of a close waiting for the preparer ended the wait: the close unmapped the segments and released
     * the lock while the preparer was still creating a segment in the log's directory. The close now waits for it
     * to finish and returns with the interrupt set.
     */
    @Test
    void shouldWaitForTheBackgroundThreadsWhenTheCloseIsInterruptedAndKeepTheInterrupt() throws Exception
    {
        final CountDownLatch creating = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicReference<Thread> preparer = new AtomicReference<>();
        final AtomicBoolean preparerAliveAtReturn = new AtomicBoolean(true);
        final AtomicBoolean interruptedAtReturn = new AtomicBoolean();
        final ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(SEGMENT)
            .syncMode(SyncMode.ASYNC).prepareAhead(1).build());
        final Thread closer = new Thread(() ->
        {
            Thread.currentThread().interrupt();
            wal.close();
            preparerAliveAtReturn.set(preparer.get().isAlive());
            interruptedAtReturn.set(Thread.currentThread().isInterrupted());
        }, "closer");
        try
        {
            awaitTrue(() -> wal.shard(0).preparedCount() == 1, "the preparer prepared the next segment");
            wal.shard(0).segments().creationFault(() ->
            {
                preparer.set(Thread.currentThread());
                creating.countDown();
                awaitUninterruptibly(release);
            });
            // Rolling into the prepared segment makes the preparer create the one after it, where it stops
            while (wal.committedPosition(0) < SEGMENT)
            {
                wal.append("k".getBytes(), new byte[1000]);
            }
            assertTrue(creating.await(10, TimeUnit.SECONDS), "the preparer is creating a segment");
            closer.start();
            awaitTrue(() -> closer.getState() == Thread.State.TIMED_WAITING, "the close waits for the preparer");
            closer.interrupt();
            closer.join(1_000);
            assertTrue(closer.isAlive(), "an interrupt does not end the close's wait for the preparer");
        }
        finally
        {
            release.countDown();
            closer.join(TimeUnit.SECONDS.toMillis(30));
            wal.close();
        }
        assertFalse(closer.isAlive(), "the close returns once the preparer is done");
        assertFalse(preparerAliveAtReturn.get(), "no background thread runs once the close returned");
        assertTrue(interruptedAtReturn.get(), "the closing thread's interrupt is kept");
    }

    private static void awaitTrue(final java.util.function.BooleanSupplier condition, final String what)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static void awaitUninterruptibly(final CountDownLatch latch) throws IOException
    {
        try
        {
            if (!latch.await(30, TimeUnit.SECONDS))
            {
                throw new IOException("the test never released the preparer");
            }
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
