package io.shardwal.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.shardwal.wal.RecordAddress;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/** Small real logs written through the engine's API, with every record kept for comparison. */
final class TestLogs
{
    static final int SHARDS = 3;
    static final long SEGMENT_SIZE = 16 * 1024;

    private TestLogs()
    {
    }

    /** One record as written: where it went and its bytes. */
    record Written(int shard, long position, byte[] key, byte[] value)
    {
    }

    static WalOptions options(final Path directory)
    {
        return WalOptions.builder(directory).shardCount(SHARDS).segmentSize(SEGMENT_SIZE).syncMode(SyncMode.ASYNC)
            .maxKeySize(256).maxValueSize(4096).build();
    }

    /**
     * Writes {@code count} records whose keys and values include every kind of byte the tools must escape:
     * quotes, backslashes, control characters, bytes that are not UTF-8, non-ASCII text, empty values.
     */
    static List<Written> write(final Path directory, final int count)
    {
        final List<Written> written = new ArrayList<>();
        try (ShardedWal wal = ShardedWal.open(options(directory)))
        {
            for (int i = 0; i < count; i++)
            {
                final byte[] key = key(i);
                final byte[] value = value(i);
                final long address = wal.append(key, value);
                written.add(new Written(RecordAddress.shard(address), RecordAddress.position(address), key, value));
            }
        }
        return written;
    }

    static byte[] key(final int i)
    {
        return switch (i % 5)
        {
            case 0 -> ("user-" + i).getBytes(StandardCharsets.UTF_8);
            case 1 -> ("q\"uote\\back-" + i).getBytes(StandardCharsets.UTF_8);
            case 2 -> ("zürich-€-" + i).getBytes(StandardCharsets.UTF_8);
            case 3 -> new byte[] {(byte)0xFF, (byte)0xFE, 0, 1, (byte)i, (byte)(i >> 8)};
            default -> ("line\nbreak\ttab\r" + i).getBytes(StandardCharsets.UTF_8);
        };
    }

    static byte[] value(final int i)
    {
        if (i % 7 == 6)
        {
            return new byte[0];
        }
        final byte[] value = new byte[(i * 37) % 300 + 1];
        for (int b = 0; b < value.length; b++)
        {
            value[b] = (byte)(i * 31 + b * 7);
        }
        return value;
    }
}
