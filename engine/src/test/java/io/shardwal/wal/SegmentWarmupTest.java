package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.ProcessMappings;
import io.shardwal.mmap.SegmentAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preparer pretouches the rest of the segment a shard's writers start in after an open (a new log's first, a
 * recovered newest), so that writers do not fault its pages in one by one.
 */
class SegmentWarmupTest
{
    private static final int SEGMENT_SIZE = 4 << 20;

    @TempDir
    Path dir;

    @Test
    void shouldPretouchTheFirstSegmentOfANewLogInTheBackground() throws Exception
    {
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            final Path first = ShardedWal.shardDirectory(dir, 0).resolve(ShardSegments.fileName(0));
            final List<Records.Ack> acks = new ArrayList<>();
            appendRecords(wal, acks, 0, 1); // one page of the writer's own, so that smaps shows the mapping
            assertTrue(awaitResidentKib(first, SEGMENT_SIZE / 1024), "every page of the first segment is resident "
                + "after one append: " + ProcessMappings.residentKib(first) + " KiB");
            Records.assertAllPresent(acks, Records.readAll(wal));
        }
    }

    @Test
    void shouldPretouchTheRestOfARecoveredSegmentAndKeepItsRecords() throws Exception
    {
        final List<Records.Ack> acks = new ArrayList<>(Records.writeAndClose(options().build(), 500));
        try (ShardedWal wal = ShardedWal.open(options().build()))
        {
            final Path first = ShardedWal.shardDirectory(dir, 0).resolve(ShardSegments.fileName(0));
            // Appends race the warm-up: it must not disturb a single byte of theirs.
            appendRecords(wal, acks, 500, 2000);
            assertTrue(awaitResidentKib(first, (SEGMENT_SIZE - wal.committedPosition(0)) / 1024),
                "the unclaimed rest of the recovered segment becomes resident: " + ProcessMappings.residentKib(first)
                    + " KiB");
            Records.assertAllPresent(acks, Records.readAll(wal));
        }
        try (ShardedWal wal = ShardedWal.open(options().readOnly(true).build()))
        {
            Records.assertAllPresent(acks, Records.readAll(wal));
        }
    }

    @Test
    void shouldWarmInChunksFromTheClaimedEndAndStopAtTheEndOfTheSegment() throws IOException
    {
        try (MappedSegment segment = MappedSegment.create(dir.resolve("warm.wal"), 0, 3 * SegmentWarmup.CHUNK, 0))
        {
            final SegmentAppender appender = new SegmentAppender(segment);
            final byte[] value = new byte[(int)SegmentWarmup.CHUNK];
            assertTrue(appender.append(new byte[0], value) >= 0);
            final SegmentWarmup warmup = new SegmentWarmup();
            warmup.begin(segment);
            int steps = 0;
            while (warmup.step(segment))
            {
                steps++;
            }
            assertEquals(2, steps, "two chunks lie past the first, claimed one (and a bit)");
            assertFalse(warmup.step(segment), "done stays done");
        }
    }

    @Test
    void shouldStopWhenTheWritersRolledAwayOrTheSegmentIsClosed() throws IOException
    {
        final SegmentWarmup warmup = new SegmentWarmup();
        try (MappedSegment segment = MappedSegment.create(dir.resolve("a.wal"), 0, 4 * SegmentWarmup.CHUNK, 0))
        {
            final MappedSegment next = MappedSegment.create(dir.resolve("b.wal"), 4 * SegmentWarmup.CHUNK,
                4 * SegmentWarmup.CHUNK, 0);
            try
            {
                warmup.begin(segment);
                assertTrue(warmup.step(segment));
                assertFalse(warmup.step(next), "the writers are in the next segment now");
                assertFalse(warmup.step(segment), "and it does not start again");

                warmup.begin(next);
                next.close();
                assertFalse(warmup.step(next), "a segment closed under the preparer ends the warm-up, quietly");
            }
            finally
            {
                next.close();
            }
        }
    }

    private WalOptions.Builder options()
    {
        return WalOptions.builder(dir).shardCount(1).segmentSize(SEGMENT_SIZE).syncMode(SyncMode.ASYNC)
            .syncInterval(Duration.ofHours(1));
    }

    private static void appendRecords(final ShardedWal wal, final List<Records.Ack> acks, final int from,
        final int to)
    {
        for (int i = from; i < to; i++)
        {
            final byte[] key = {(byte)i, (byte)(i >> 8)};
            final byte[] value = new byte[100 + i % 50];
            Arrays.fill(value, (byte)i);
            acks.add(new Records.Ack(wal.append(key, value), key, value));
        }
    }

    /** Waits up to 10 s for {@code file}'s mapping to have at least {@code kib} KiB resident; skips without smaps. */
    private static boolean awaitResidentKib(final Path file, final long kib) throws IOException, InterruptedException
    {
        final long resident = ProcessMappings.awaitResidentKib(file, kib, Duration.ofSeconds(10));
        assumeTrue(resident > 0, "/proc/self/smaps does not show the segment's mapping");
        return resident >= kib;
    }
}
