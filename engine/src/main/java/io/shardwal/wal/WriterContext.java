package io.shardwal.wal;

import java.util.Arrays;

import io.shardwal.mmap.FrameClaim;
import io.shardwal.route.Router;

/** Per-thread state of appending threads: the frame workspace and the countdown to the next timed append. */
final class WriterContext
{
    private static final ThreadLocal<WriterContext> CURRENT = ThreadLocal.withInitial(WriterContext::new);

    /** Entries of the routing cache; a power of two. */
    private static final int ROUTES = 64;

    final FrameClaim workspace = new FrameClaim();
    private int countdown = 1;
    private Router routesOf;
    private final long[] routeHashes = new long[ROUTES];
    private final int[] routeShards = new int[ROUTES];

    static WriterContext current()
    {
        return CURRENT.get();
    }

    /**
     * The shard of {@code key}. A key's shard is a function of its 64-bit hash, so this thread remembers the last
     * shards it computed, by full hash: a repeated key (a symbol, a sensor) skips the jump hash's loop of
     * floating-point divisions. Exact, and private to the thread.
     */
    int shard(final Router router, final byte[] key)
    {
        if (router.shardCount() == 1)
        {
            return 0;
        }
        if (router != routesOf)
        {
            routesOf = router;
            Arrays.fill(routeShards, -1);
        }
        final long hash = router.hash(key);
        final int slot = (int)(hash ^ (hash >>> 32)) & (ROUTES - 1);
        if (routeShards[slot] >= 0 && routeHashes[slot] == hash)
        {
            return routeShards[slot];
        }
        final int shard = router.shardOfHash(hash);
        routeHashes[slot] = hash;
        routeShards[slot] = shard;
        return shard;
    }

    /** Whether to time this append, given one timed append per {@code interval} (0: never). */
    boolean timeThisAppend(final int interval)
    {
        if (interval == 0)
        {
            return false;
        }
        // The countdown is the thread's, shared by every log it appends to: clamp it to this log's interval.
        if (--countdown > 0 && countdown < interval)
        {
            return false;
        }
        countdown = interval;
        return true;
    }
}
