package io.shardwal.route;

/** How a key's 64-bit hash is mapped to a shard. Persisted in {@code wal.manifest} by name. */
public enum RouterKind
{
    /**
     * Jump consistent hash (Lamping and Veach, 2014): when the shard count grows from n to n + 1, only about
     * 1/(n + 1) of the keys move, all of them to the new shard. The default.
     */
    JUMP,
    /** {@code unsigned(hash) % shardCount}: simplest, but most keys move when the shard count changes. */
    MODULO
}
