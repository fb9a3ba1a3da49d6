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

    /**
     * A read-only open that has read a live log sees the writer prune under it: its oldest position, its segment
     * count and a range read from the start show what is left, as the writer's do, and it no longer maps the deleted
     * files (whose disk space stays taken while mapped). Before, it kept every pruned segment it had listed: a range
     * read from the start delivered pruned records from the mappings it still held, or failed PRUNED at the first
     * one it had unmapped (beyond {@link WalOptions#DEFAULT_MAX_OPEN_READER_SEGMENTS} kept mappings).
     */
    @Test
    void shouldShowWhatIsLeftAfterTheWriterPrunedUnderAReadOnlyOpen()
    {
        final int segments = WalOptions.DEFAULT_MAX_OPEN_READER_SEGMENTS + 8;
        try (ShardedWal writer = ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(SEGMENT_SIZE)
            .syncMode(SyncMode.ASYNC).prepareAhead(0).build()))
        {
            final List<Long> written = new ArrayList<>();
            for (int i = 0; writer.committedPosition(0) < segments * SEGMENT_SIZE; i++)
            {
                written.add(writer.append(new byte[] {1}, new byte[100 + i % 7]));
            }
            writer.createCheckpoint("c1");
            written.add(writer.append(new byte[] {1}, new byte[100]));
            try (ShardedWal reader = ShardedWal.openReadOnly(dir))
            {
                assertEquals(written.size(), reader.iterShard(0, 0, Long.MAX_VALUE, record -> { }));
                assertEquals(segments + 1, reader.stats().shards().get(0).segmentCount());

                writer.pruneBefore("c1".getBytes());
                final long first = writer.firstPosition(0);
                assertEquals(segments * (long)SEGMENT_SIZE, first, "pruned every segment but the active one");

                assertEquals(first, reader.firstPosition(0), "oldest position");
                assertEquals(writer.stats().shards().get(0).segmentCount(),
                    reader.stats().shards().get(0).segmentCount(), "segment count");
                assertTrue(reader.segments(0).describe().keySet().stream().allMatch(base -> base >= first),
                    "still mapped or listed: " + reader.segments(0).describe());
                final List<Long> seen = new ArrayList<>();
                reader.iterShard(0, 0, Long.MAX_VALUE, record -> seen.add(record.address()));
                assertEquals(written.stream().filter(a -> RecordAddress.position(a) >= first).toList(), seen);
                assertEquals(seen.size(), reader.replay(record -> { }, 1));
            }
        }
    }
}
