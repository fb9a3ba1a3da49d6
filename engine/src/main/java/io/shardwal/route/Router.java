package io.shardwal.route;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Maps a key to a shard: {@code shard = kind(xxHash64(key, seed), shardCount)}. Both steps are specified and
 * stable (the hash against its reference vectors, the mapping against checked-in golden vectors), so a log can
 * always be re-routed from the keys stored in it.
 *
 * <p>Immutable and thread-safe; allocates nothing.
 */
public final class Router
{
    private final RouterKind kind;
    private final long seed;
    private final int shardCount;

    public Router(final RouterKind kind, final long seed, final int shardCount)
    {
        this.kind = Objects.requireNonNull(kind, "kind");
        if (shardCount < 1)
        {
            throw new IllegalArgumentException("shard count must be at least 1, not " + shardCount);
        }
        this.seed = seed;
        this.shardCount = shardCount;
    }

    public RouterKind kind()
    {
        return kind;
    }

    public long seed()
    {
        return seed;
    }

    public int shardCount()
    {
        return shardCount;
    }

    public int shard(final byte[] key)
    {
        return shardCount == 1 ? 0 : shardOfHash(XxHash64.hash(key, seed));
    }

    /** Shard of the remaining bytes of {@code key}; its position is not changed. */
    public int shard(final ByteBuffer key)
    {
        return shardCount == 1 ? 0 : shardOfHash(XxHash64.hash(key, seed));
    }

    public int shard(final MemorySegment key)
    {
        if (shardCount == 1)
        {
            return 0;
        }
        final Object base = key.heapBase().orElse(null);
        if (base instanceof byte[] array && key.address() + key.byteSize() <= array.length)
        {
            return shardOfHash(XxHash64.hash(array, (int)key.address(), (int)key.byteSize(), seed));
        }
        return shardOfHash(XxHash64.hash(key, 0, key.byteSize(), seed));
    }

    /** The 64-bit hash routing uses for {@code key} (xxHash64 with this router's seed). */
    public long hash(final byte[] key)
    {
        return XxHash64.hash(key, seed);
    }

    /** The shard a key with this 64-bit hash belongs to. */
    public int shardOfHash(final long hash)
    {
        return kind == RouterKind.JUMP ? jump(hash, shardCount) : (int)Long.remainderUnsigned(hash, shardCount);
    }

    /**
     * Jump consistent hash: a key's bucket "jumps" forward as buckets are added; the generator is the 64-bit LCG
     * of the paper (multiplier 2862933555777941757, increment 1).
     */
    public static int jump(final long hash, final int buckets)
    {
        long key = hash;
        long bucket = -1;
        long next = 0;
        while (next < buckets)
        {
            bucket = next;
            key = key * 2862933555777941757L + 1;
            next = (long)((bucket + 1) * ((double)(1L << 31) / (double)((key >>> 33) + 1)));
        }
        return (int)bucket;
    }

    @Override
    public String toString()
    {
        return kind + "(seed=" + seed + ", shards=" + shardCount + ")";
    }
}
