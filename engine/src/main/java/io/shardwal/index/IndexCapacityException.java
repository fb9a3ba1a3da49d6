package io.shardwal.index;

/**
 * A shard of a {@link ShardedIndex} could not get the off-heap memory an operation needed: the operating system
 * refused a new slab, or the shard already holds as many slabs as its addresses can name. The message names the
 * shard and what ran out. The operation that threw it changed nothing: an add that fails this way leaves the index as
 * it was (only the bytes it had taken stay reserved until the shard is rebuilt), so the caller may free memory, or
 * remove series, and retry.
 */
public final class IndexCapacityException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    public IndexCapacityException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
