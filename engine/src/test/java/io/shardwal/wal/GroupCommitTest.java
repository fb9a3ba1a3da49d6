package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

/** The group commit's waiting rules, driven directly with actions that block on latches. */
class GroupCommitTest
{
    private static final GroupCommit.FailureFactory FAILURES = cause -> new IllegalStateException(cause);

    /**
     * An interrupted follower must neither return before a sync that covers it (its frame would be called durable
     * when it is not) nor spin: each return of park would register it again, growing the waiter list without
     * bound for as long as the leader's msync takes.
     */
    @Test
    void shouldKeepAnInterruptedFollowerParkedUntilASyncCoversItAndKeepItsInterrupt() throws Exception
    {
        final GroupCommit commit = new GroupCommit();
        final AtomicInteger actions = new AtomicInteger();
        final CountDownLatch leading = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Thread leader = Thread.ofPlatform().start(() -> commit.await(() ->
        {
            actions.incrementAndGet();
            leading.countDown();
            awaitUninterruptibly(release);
        }, FAILURES));
        assertTrue(leading.await(10, TimeUnit.SECONDS));

        final AtomicBoolean interruptedAfter = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread follower = Thread.ofPlatform().unstarted(() ->
        {
            try
            {
                Thread.currentThread().interrupt();
                commit.await(actions::incrementAndGet, FAILURES);
                interruptedAfter.set(Thread.currentThread().isInterrupted());
            }
            catch (final Throwable e)
            {
                failure.set(e);
            }
        });
        follower.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!parkedOn(follower, commit) && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
        assertTrue(parkedOn(follower, commit), "the interrupted follower parks: " + follower.getState() + ", "
            + commit.parkedWaiters() + " registrations");
        final int registrations = commit.parkedWaiters();
        Thread.sleep(50);
        assertTrue(parkedOn(follower, commit), "and stays parked");
        // Twice at most: the interrupt also left a park permit, so the first park returned at once.
        assertTrue(registrations <= 2, registrations + " registrations");
        assertEquals(registrations, commit.parkedWaiters(), "no new registration while parked");
        assertEquals(1, actions.get(), "nothing covered the follower yet");

        release.countDown();
        leader.join(TimeUnit.SECONDS.toMillis(10));
        follower.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(follower.isAlive());
        assertEquals(null, failure.get());
        assertEquals(2, actions.get(), "the follower returned only after an action that started after its call");
        assertTrue(interruptedAfter.get(), "the interrupt is kept");
    }

    /** The action may run a FileChannel.force (msync without natives), which an interrupt would close. */
    @Test
    void shouldRunTheActionOfAnInterruptedLeaderWithoutItsInterruptAndRestoreItAfter()
    {
        final GroupCommit commit = new GroupCommit();
        final AtomicBoolean seenInAction = new AtomicBoolean(true);
        Thread.currentThread().interrupt();
        try
        {
            commit.await(() -> seenInAction.set(Thread.currentThread().isInterrupted()), FAILURES);
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is restored");
        }
        finally
        {
            Thread.interrupted();
        }
        assertFalse(seenInAction.get(), "the action ran without the interrupt");
        assertEquals(1, commit.completedGeneration());
    }

    /**
     * Close waits for a running action with its thread possibly interrupted: it must park until the action ends,
     * not spin (a park returns at once while the interrupt is set), and return with the interrupt still set.
     */
    @Test
    void shouldParkAnInterruptedCloseUntilTheRunningActionEndsAndKeepItsInterrupt() throws Exception
    {
        final GroupCommit commit = new GroupCommit();
        final CountDownLatch leading = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Thread leader = Thread.ofPlatform().start(() -> commit.await(() ->
        {
            leading.countDown();
            awaitUninterruptibly(release);
        }, FAILURES));
        assertTrue(leading.await(10, TimeUnit.SECONDS));
        commit.fail(new IllegalStateException("closed"));

        final AtomicBoolean noAction = new AtomicBoolean();
        final AtomicBoolean interruptedAfter = new AtomicBoolean();
        final Thread closer = Thread.ofPlatform().start(() ->
        {
            Thread.currentThread().interrupt();
            noAction.set(commit.awaitNoAction(TimeUnit.SECONDS.toNanos(30)));
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!parkedOn(closer, commit, Thread.State.TIMED_WAITING) && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
        assertTrue(parkedOn(closer, commit, Thread.State.TIMED_WAITING), "the interrupted closer parks: "
            + closer.getState() + ", " + commit.parkedWaiters() + " registrations");
        final int registrations = commit.parkedWaiters();
        Thread.sleep(50);
        assertTrue(parkedOn(closer, commit, Thread.State.TIMED_WAITING), "and stays parked");
        assertTrue(registrations <= 2, registrations + " registrations");
        assertEquals(registrations, commit.parkedWaiters(), "no new registration while parked");

        release.countDown();
        leader.join(TimeUnit.SECONDS.toMillis(10));
        closer.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(closer.isAlive(), "the leader's end woke the closer");
        assertTrue(noAction.get(), "no action runs any more");
        assertTrue(interruptedAfter.get(), "the interrupt is kept");
    }

    private static boolean parkedOn(final Thread thread, final Object blocker)
    {
        return parkedOn(thread, blocker, Thread.State.WAITING);
    }

    private static boolean parkedOn(final Thread thread, final Object blocker, final Thread.State state)
    {
        return thread.getState() == state && LockSupport.getBlocker(thread) == blocker;
    }

    private static void awaitUninterruptibly(final CountDownLatch latch) throws IOException
    {
        try
        {
            if (!latch.await(30, TimeUnit.SECONDS))
            {
                throw new IOException("the test never released the action");
            }
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
