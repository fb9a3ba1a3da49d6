package io.shardwal.wal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The log's two background threads: the <b>preparer</b> first pretouches the rest of the segment each shard's
 * writers started in after the open, then keeps each shard's next segments created, preallocated and pretouched,
 * so writers roll without waiting, and pads over claims left open ({@link ClaimUnblocker}; it runs for that alone
 * when no segments are prepared ahead); the <b>syncer</b> (ASYNC mode only) msyncs every shard each
 * sync interval. A failure in either is counted in the shard's metrics and logged once; the preparer backs off and
 * retries (writers then prepare inline and get the error themselves), a failed msync fails its shard.
 *
 * <p><b>Threads.</b> {@link #wakePreparer} may be called from any thread; {@link #stop} stops and joins both,
 * through interrupts of the closing thread.
 */
final class Housekeeping
{
    private static final System.Logger LOG = System.getLogger("io.shardwal");
    private static final long PREPARER_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long PREPARER_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long JOIN_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Shard[] shards;
    private final String name;
    private final Thread preparer;
    private final Thread syncer;
    private final boolean prepare;
    private final ClaimUnblocker unblocker;
    private final long syncIntervalNanos;
    private final boolean[] preparerFailing;
    private final boolean[] syncerFailing;
    private boolean unblockerFailing;
    private volatile boolean running = true;

    Housekeeping(final Shard[] shards, final String name, final boolean prepare, final ClaimUnblocker unblocker,
        final Duration syncInterval)
    {
        this.shards = shards;
        this.name = name;
        this.prepare = prepare;
        this.unblocker = unblocker;
        this.preparerFailing = new boolean[shards.length];
        this.syncerFailing = new boolean[shards.length];
        this.syncIntervalNanos = syncInterval == null ? 0 : syncInterval.toNanos();
        this.preparer = prepare || unblocker != null
            ? Thread.ofPlatform().daemon().name("shardwal-preparer " + name).unstarted(this::prepareLoop) : null;
        this.syncer = syncInterval != null
            ? Thread.ofPlatform().daemon().name("shardwal-syncer " + name).unstarted(this::syncLoop) : null;
    }

    void start()
    {
        if (preparer != null)
        {
            preparer.start();
        }
        if (syncer != null)
        {
            syncer.start();
        }
    }

    void wakePreparer()
    {
        if (preparer != null)
        {
            LockSupport.unpark(preparer);
        }
    }

    private void prepareLoop()
    {
        while (running)
        {
            boolean failed = false;
            boolean warming = false;
            final long untilCheck = unblock();
            for (int i = 0; i < shards.length && running && prepare; i++)
            {
                try
                {
                    // The segments writers are in come first (SegmentWarmup): a chunk of each per pass, no parking
                    // while one still warms, and after a shard that still warms no shard creates a segment.
                    warming |= shards[i].warmActive();
                    while (running && !warming && shards[i].prepareOne())
                    {
                        // keep preparing until the shard has enough
                    }
                    if (preparerFailing[i])
                    {
                        preparerFailing[i] = false;
                        LOG.log(System.Logger.Level.INFO, "shardwal: preparer of " + name + " shard " + i
                            + " works again");
                    }
                }
                catch (final RuntimeException e)
                {
                    if (!running)
                    {
                        return;
                    }
                    failed = true;
                    if (!preparerFailing[i])
                    {
                        preparerFailing[i] = true;
                        LOG.log(System.Logger.Level.WARNING, "shardwal: preparer of " + name + " shard " + i
                            + " cannot prepare the next segment (writers will try inline and see the error): "
                            + e.getMessage());
                    }
                }
            }
            if (!warming)
            {
                LockSupport.parkNanos(this, Math.min(untilCheck, failed ? PREPARER_BACKOFF_NANOS
                    : PREPARER_IDLE_NANOS));
            }
        }
    }

    /** Runs the claim unblocker's check if one is due; returns nanoseconds until the next one. */
    private long unblock()
    {
        if (unblocker == null)
        {
            return Long.MAX_VALUE;
        }
        try
        {
            final long untilCheck = unblocker.check(System.nanoTime());
            unblockerFailing = false;
            return untilCheck;
        }
        catch (final RuntimeException e)
        {
            if (running && !unblockerFailing)
            {
                unblockerFailing = true;
                LOG.log(System.Logger.Level.WARNING, "shardwal: claim check of " + name + " failed (claims left "
                    + "open are not padded over until it works again): " + e.getMessage());
            }
            return PREPARER_BACKOFF_NANOS;
        }
    }

    private void syncLoop()
    {
        long next = System.nanoTime() + syncIntervalNanos;
        while (running)
        {
            final long wait = next - System.nanoTime();
            if (wait > 0)
            {
                LockSupport.parkNanos(this, wait);
                continue;
            }
            next += syncIntervalNanos;
            if (next < System.nanoTime())
            {
                next = System.nanoTime() + syncIntervalNanos;
            }
            for (int i = 0; i < shards.length && running; i++)
            {
                if (shards[i].isFailed())
                {
                    continue;
                }
                try
                {
                    shards[i].awaitDurable();
                }
                catch (final RuntimeException e)
                {
                    if (running && !syncerFailing[i])
                    {
                        syncerFailing[i] = true;
                        LOG.log(System.Logger.Level.ERROR, "shardwal: syncer of " + name + " shard " + i + ": "
                            + e.getMessage());
                    }
                }
            }
        }
    }

    /**
     * Stops both threads and waits for them to finish (up to {@link #JOIN_WAIT_NANOS} each): the caller unmaps the
     * segments and releases the lock next, and a preparer still creating a segment or a syncer still in an msync would
     * otherwise go on working on a closed log, or on one another process has opened since. An interrupt does not cut
     * the wait short, and is not left set either (the caller's next steps write files): it is returned.
     *
     * @return whether the calling thread was interrupted while it waited; its interrupt status is then clear.
     */
    boolean stop()
    {
        running = false;
        boolean interrupted = false;
        for (final Thread thread : new Thread[] {preparer, syncer})
        {
            if (thread != null)
            {
                LockSupport.unpark(thread);
                interrupted |= join(thread);
            }
        }
        return Thread.interrupted() | interrupted;
    }

    /** Waits for {@code thread} to end, through interrupts; returns whether one arrived. */
    private boolean join(final Thread thread)
    {
        boolean interrupted = false;
        final long deadline = System.nanoTime() + JOIN_WAIT_NANOS;
        while (thread.isAlive())
        {
            final long left = deadline - System.nanoTime();
            if (left <= 0)
            {
                LOG.log(System.Logger.Level.WARNING, "shardwal: " + thread.getName() + " did not stop within "
                    + TimeUnit.NANOSECONDS.toSeconds(JOIN_WAIT_NANOS) + " s; closing without it (a native call "
                    + "that still holds a mapping makes the unmap fail with TIMEOUT)");
                break;
            }
            try
            {
                thread.join(Duration.ofNanos(left));
            }
            catch (final InterruptedException e)
            {
                interrupted = true;
            }
        }
        return interrupted;
    }
}
