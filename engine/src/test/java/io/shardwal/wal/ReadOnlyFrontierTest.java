package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A read-only open following a writer that rolls and prunes. */
class ReadOnlyFrontierTest
{
    private static final int SEGMENT_SIZE = 4096;

    @TempDir
    Path dir;

    @Test
    void shouldFindTheCommittedFrontierAfterTheWriterPrunedSegmentsItHadListed()
    {
        try (ShardedWal writer = ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(SEGMENT_SIZE)
            .syncMode(SyncMode.ASYNC).build()))
        {
            final List<Long> written = new ArrayList<>();
            for (int i = 0; writer.committedPosition(0) < 4 * SEGMENT_SIZE; i++)
            {
                written.add(writer.append(new byte[] {1}, new byte[100 + i % 7]));
            }
            writer.createCheckpoint("c1");
            try (ShardedWal reader = ShardedWal.openReadOnly(dir))
            {
                writer.pruneBefore("c1".getBytes());
                final long first = writer.firstPosition(0);
                assertTrue(first >= 3 * SEGMENT_SIZE, "pruned up to " + first);

                assertEquals(writer.committedPosition(0), reader.committedPosition(0));
                final List<Long> seen = new ArrayList<>();
                reader.iterShard(0, 0, Long.MAX_VALUE, record -> seen.add(record.address()));
                assertEquals(written.stream().filter(a -> RecordAddress.position(a) >= first).toList(), seen);
            }
        }
    }
}
