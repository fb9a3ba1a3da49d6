package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.shardwal.index.Labels;
import io.shardwal.index.SeriesIds;
import io.shardwal.index.ShardedIndex;
import io.shardwal.ingest.Ingest;
import io.shardwal.ingest.IngestOptions;
import io.shardwal.ingest.IngestReplay;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/**
 * The ingest front end writing onto a small tmpfs that fills up: senders and {@code flush()} hear of it, the
 * batch that could not be written is kept, the flusher writes it by itself once space is freed, and after a
 * reopen every sample a send accepted is in the log once.
 */
class IngestDiskFullTest
{
    private static final String NO_SPACE = "No space left on device";
    private static final long SEGMENT = 64 * 1024;
    private static final long SEGMENT_FILE = SEGMENT + 4096;

    private Path work;
    private TmpfsMount mount;

    @BeforeEach
    void scratch()
    {
        work = Directories.scratch("ingest-disk-full");
    }

    @AfterEach
    void unmount()
    {
        if (mount != null)
        {
            mount.close();
        }
        Directories.delete(work);
    }

    /** A sample as replay hands it back. */
    private record Point(long id, long time, double value)
    {
    }

    @Test
    void shouldTellSendersOfAFullDiskKeepTheBatchAndWriteItOnceSpaceIsFreed() throws IOException, InterruptedException
    {
        mount = TmpfsMount.mountOrSkip(work.resolve("mnt"), 2 << 20);
        final Path dir = mount.path().resolve("wal");
        final WalOptions options = WalOptions.builder(dir).shardCount(2).segmentSize(SEGMENT)
            .syncMode(SyncMode.BATCH_ONLY).prepareAhead(1).build();
        final Map<Point, Integer> accepted = new HashMap<>();
        try (ShardedWal wal = ShardedWal.open(options); ShardedIndex index = ShardedIndex.withShards(2);
            Ingest ingest = Ingest.open(wal, index, IngestOptions.builder().serializers(1).maxSignalsInBatch(50)
                .flushFrequency(Duration.ofMillis(5)).build()))
        {
            final Path ballast = mount.fillLeaving(2 * SEGMENT_FILE + 8192);
            final ShardwalException full = sendUntilFailure(ingest, accepted, 0);
            assertNoSpace(full);
            assertTrue(ingest.stats().pendingSamples() > 0, "the batch that failed is kept: " + ingest.stats());
            final ShardwalException flush = assertThrows(ShardwalException.class, ingest::flush);
            assertNoSpace(flush);
            assertTrue(flush.getMessage().contains("are not written (kept; a later write retries them)"),
                flush.getMessage());

            Files.delete(ballast);
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (ingest.stats().pendingSamples() > 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
            assertEquals(0, ingest.stats().pendingSamples(), "the flusher did not write the kept batch within 30 s "
                + "of the space coming back: " + ingest.stats());
            for (int i = 0; i < 500; i++)
            {
                send(ingest, accepted, 1_000_000 + i);
            }
        }
        final Map<Point, Integer> replayed = new ConcurrentHashMap<>();
        try (ShardedWal wal = ShardedWal.open(options); ShardedIndex index = ShardedIndex.withShards(2))
        {
            final IngestReplay.Result result = IngestReplay.replay(wal, index,
                (shard, position, id, time, value) -> replayed.merge(new Point(id, time, value), 1, Integer::sum), 2);
            assertEquals(0, result.orphanSamples(), result.toString());
        }
        assertEquals(accepted, replayed, "every accepted sample is in the log once, and nothing else");
    }

    private static Labels series(final long i)
    {
        return Labels.of("__name__", "disk_io", "host", "h" + (i % 300), "dev", "sd" + (i % 3));
    }

    private static void send(final Ingest ingest, final Map<Point, Integer> accepted, final long i)
    {
        final Labels labels = series(i);
        ingest.send(labels, i, i * 0.25);
        accepted.merge(new Point(SeriesIds.hash(labels), i, i * 0.25), 1, Integer::sum);
    }

    private static ShardwalException sendUntilFailure(final Ingest ingest, final Map<Point, Integer> accepted,
        final long from)
    {
        for (long i = from; i < from + 500_000; i++)
        {
            try
            {
                send(ingest, accepted, i);
            }
            catch (final ShardwalException e)
            {
                return e;
            }
        }
        return fail("500000 samples on a full disk did not fail: " + ingest.stats());
    }

    private static void assertNoSpace(final ShardwalException e)
    {
        assertEquals(ShardwalException.Category.IO, e.category(), e.toString());
        assertTrue(e.getMessage().contains(NO_SPACE), "the message does not say why: " + e);
    }
}
