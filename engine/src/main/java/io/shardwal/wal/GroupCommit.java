package io.shardwal.wal;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Leader/follower group commit for one shard: many threads ask "make what I committed durable", one of them (the
 * leader) runs the sync action, the others park until a sync that started after their request has completed.
 * While one msync runs, every commit that arrives queues behind it and the next leader's single msync covers all
 * of them.
 *
 * <p>Followers are unparked one by one by the leader, never through a lock hand-off, so a burst of followers wakes
 * in parallel instead of in a chain.
 *
 * <p><b>Threads.</b> {@link #await} and {@link #fail} may be called by any thread.
 *
 * <p><b>Assumptions and guarantees.</b>
 * <ul>
 *   <li>{@link #await} returns only after an action that <em>started after the call began</em> completed; an
 *       action reads the shard's claim position after starting, so it covers every frame committed before the
 *       call.</li>
 *   <li>Actions never overlap; each runs on the thread of a waiting caller.</li>
 *   <li>Once an action fails, or {@link #fail} is called, every current and future {@link #await} throws that
 *       failure: a shard whose msync failed is not durable and says so.</li>
 *   <li>Interrupts do not end a wait early; one set before or during {@link #await} is not seen by the action,
 *       and the caller returns (or throws) with its interrupt status set. One sent to the leader's thread while
 *       the action runs does reach it (the {@code FileChannel.force} fallback, without native access, then fails
 *       the shard).</li>
 * </ul>
 */
final class GroupCommit
{
    /** The sync itself: runs with no other action running. */
    @FunctionalInterface
    interface Action
    {
        void run() throws IOException;
    }

    /** Turns whatever an action threw into the shard's failure. */
    @FunctionalInterface
    interface FailureFactory
    {
        RuntimeException failure(Throwable cause);
    }

    private final AtomicBoolean leading = new AtomicBoolean();
    private final Object waitersLock = new Object();
    private Thread[] waiters = new Thread[8];
    private int waiterCount;
    private volatile long startedGeneration;
    private volatile long completedGeneration;
    private volatile RuntimeException failure;

    /** Blocks until an action that started after this call has completed; the caller may become the leader. */
    void await(final Action action, final FailureFactory failures)
    {
        // An interrupt neither cuts the wait short (the caller's frame is committed: returning would claim a
        // durability that is not there) nor reaches the action (an interruptible channel closes itself on one, which
        // would fail the shard); it is set aside here and restored on the way out.
        boolean interrupted = Thread.interrupted();
        try
        {
            // Full fence: the caller's commit store must be visible before we read which syncs have started,
            // or a leader could msync the page before the commit reaches it.
            VarHandle.fullFence();
            final long after = startedGeneration;
            while (completedGeneration <= after)
            {
                checkFailure();
                if (leading.compareAndSet(false, true))
                {
                    try
                    {
                        if (completedGeneration <= after)
                        {
                            lead(action, failures);
                        }
                    }
                    finally
                    {
                        leading.set(false);
                        wakeAll();
                    }
                }
                else
                {
                    park(after);
                    // Cleared, or every later park would return at once and register this thread again.
                    interrupted |= Thread.interrupted();
                }
            }
        }
        finally
        {
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void lead(final Action action, final FailureFactory failures)
    {
        // Re-checked as leader: once failed (or closed), no action may start, so close can wait for the last one.
        checkFailure();
        final long generation = startedGeneration + 1;
        startedGeneration = generation;
        // Full fence: the action's reads of claim and commit positions must not move before the generation store.
        VarHandle.fullFence();
        try
        {
            action.run();
            completedGeneration = generation;
        }
        catch (final IOException | RuntimeException e)
        {
            // Through the factory whatever the exception: the shard must refuse appends, not only this wait.
            failure = failures.failure(e);
            throw failure;
        }
        catch (final Error e)
        {
            failure = failures.failure(e);
            throw e;
        }
    }

    /** Fails every current and future waiter with {@code cause} (used on close and on shard failure). */
    void fail(final RuntimeException cause)
    {
        if (failure == null)
        {
            failure = cause;
        }
        wakeAll();
    }

    RuntimeException failure()
    {
        return failure;
    }

    /**
     * After {@link #fail}: waits until no action runs any more (one may have started just before the failure).
     * Returns false if one still runs after {@code timeoutNanos}. The caller parks until the leader wakes it; an
     * interrupt does not end the wait (the action may still hold the mapping) and is set aside while parked, or
     * every park would return at once, and restored on the way out.
     */
    boolean awaitNoAction(final long timeoutNanos)
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        boolean interrupted = Thread.interrupted();
        try
        {
            while (leading.get())
            {
                final long remaining = deadline - System.nanoTime();
                if (remaining <= 0)
                {
                    return false;
                }
                synchronized (waitersLock)
                {
                    // Re-checked under the lock: the leader clears "leading" before it takes the lock to wake waiters.
                    if (!leading.get())
                    {
                        return true;
                    }
                    register();
                }
                LockSupport.parkNanos(this, remaining);
                interrupted |= Thread.interrupted();
            }
            return true;
        }
        finally
        {
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    long completedGeneration()
    {
        return completedGeneration;
    }

    /** Threads registered to be woken by the next leader (a thread may be counted twice after a spurious wake-up). */
    int parkedWaiters()
    {
        synchronized (waitersLock)
        {
            return waiterCount;
        }
    }

    private void checkFailure()
    {
        final RuntimeException current = failure;
        if (current != null)
        {
            throw current;
        }
    }

    private void park(final long after)
    {
        synchronized (waitersLock)
        {
            // Re-checked under the lock: the leader clears "leading" before it takes the lock to wake waiters.
            if (completedGeneration > after || failure != null || !leading.get())
            {
                return;
            }
            register();
        }
        LockSupport.park(this);
    }

    /** Adds the calling thread to those the next {@link #wakeAll} unparks; call holding the waiters' lock. */
    private void register()
    {
        if (waiterCount == waiters.length)
        {
            waiters = Arrays.copyOf(waiters, waiterCount * 2);
        }
        waiters[waiterCount++] = Thread.currentThread();
    }

    private void wakeAll()
    {
        synchronized (waitersLock)
        {
            for (int i = 0; i < waiterCount; i++)
            {
                LockSupport.unpark(waiters[i]);
                waiters[i] = null;
            }
            waiterCount = 0;
        }
    }
}
