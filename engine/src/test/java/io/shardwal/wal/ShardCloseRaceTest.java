package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A close racing a writer that still appends and syncs. */
class ShardCloseRaceTest
{
    private static final long SEGMENT = 16 * 1024;

    @TempDir
    Path dir;

    private static void appendUntil(final ShardedWal wal, final long position)
    {
        long sequence = 0;
        while (wal.append(Records.key(0, sequence, 7), Records.value(0, sequence, 16)) < position)
        {
            sequence++;
        }
    }

    /**
     * The close's header sync is at the oldest pinned segment when a writer rolls past it and syncs: that writer's
     * group commit unpins the segment, and with one unused mapping allowed, unmaps it. The close must neither msync
     * the unmapped segment (it failed the close) nor skip a header; the next open finds a clean stop.
     */
    @Test
    void shouldSyncHeadersAtCloseWithoutRacingAWritersGroupCommit() throws IOException
    {
        final WalOptions options = WalOptions.builder(dir.resolve("log")).shardCount(1).segmentSize(SEGMENT)
            .syncMode(SyncMode.BATCH_ONLY).prepareAhead(0).maxOpenReaderSegments(1).build();
        final ShardedWal wal = ShardedWal.open(options);
        appendUntil(wal, SEGMENT); // into the second segment
        wal.sync(); // releases the first
        wal.iterShard(0, 0, SEGMENT, record -> { }); // the first is used more recently than the second
        final Thread closer = Thread.currentThread();
        final AtomicBoolean raced = new AtomicBoolean();
        wal.shard(0).msyncFault(new ShardMsync.Fault()
        {
            @Override
            public void beforeMsync(final long from, final long to)
            {
            }

            @Override
            public void beforeHeaderMsync(final long base)
            {
                if (Thread.currentThread() != closer || base != SEGMENT || !raced.compareAndSet(false, true))
                {
                    return;
                }
                final Thread writer = new Thread(() ->
                {
                    try
                    {
                        appendUntil(wal, 2 * SEGMENT);
                        wal.sync();
                    }
                    catch (final RuntimeException e)
                    {
                        // CLOSED: the close stopped appends first
                    }
                });
                writer.start();
                try
                {
                    writer.join();
                }
                catch (final InterruptedException e)
                {
                    throw new IllegalStateException(e);
                }
            }
        });
        wal.close();
        assertEquals(true, raced.get());
        try (ShardedWal reopened = ShardedWal.open(options))
        {
            assertEquals("CLEAN", reopened.recoveryReport().previousStop());
        }
    }
}
