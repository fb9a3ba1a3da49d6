package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.shardwal.metrics.LatencyRecording;
import io.shardwal.metrics.ShardMetrics;
import io.shardwal.metrics.ShardStats;
import io.shardwal.metrics.WalStats;
import io.shardwal.mmap.FrameDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatsTest
{
    private static final long SEGMENT_SIZE = 4096;
    private static final byte[] KEY = {7, 7, 7};
    private static final int VALUE_LENGTH = 100;
    /** The aligned frame of one claim of {@link #KEY} with a {@link #VALUE_LENGTH}-byte value. */
    private static final long CLAIM_FRAME = FrameDescriptor.align(FrameDescriptor.dataFrameLength(KEY.length,
        VALUE_LENGTH));

    @TempDir
    Path dir;

    private WalOptions oneShard()
    {
        return WalOptions.builder(dir.resolve("claims")).shardCount(1).segmentSize(SEGMENT_SIZE)
            .syncMode(SyncMode.ASYNC).build();
    }

    private static ShardStats shardStats(final ShardedWal wal)
    {
        return wal.stats().shards().getFirst();
    }

    private static WalStats write(final ShardedWal wal, final int records)
    {
        for (int i = 0; i < records; i++)
        {
            wal.append(Records.key(0, i, 1000), new byte[100]);
        }
        return wal.stats();
    }

    @Test
    void shouldCountEveryRecordAndByteExactlyPerShardAndOverAll()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(4).segmentSize(16384)
            .syncMode(SyncMode.ASYNC).build()))
        {
            final WalStats stats = write(wal, 1000);
            assertEquals(1000, stats.records());
            long keyBytes = 0;
            for (int i = 0; i < 1000; i++)
            {
                keyBytes += Records.key(0, i, 1000).length;
            }
            assertEquals(keyBytes + 1000 * 100, stats.payloadBytes());
            for (final ShardStats shard : stats.shards())
            {
                assertTrue(shard.records() > 150 && shard.records() < 350, "jump routing spreads keys: " + shard);
                assertEquals(wal.committedPosition(shard.shard()), shard.committedPosition());
                assertTrue(shard.segmentCount() >= 2);
            }
            assertTrue(stats.rolls() >= 4, "every shard rolled at least once (30 KiB into 16 KiB segments): "
                + stats.rolls());
            assertTrue(stats.recordSkew() >= 1.0 && stats.recordSkew() < 1.4, "skew " + stats.recordSkew());
            final long sampled = stats.appendLatency().count();
            assertTrue(sampled == 1000 / ShardMetrics.SAMPLE_INTERVAL || sampled == 1000 / ShardMetrics.SAMPLE_INTERVAL
                + 1, "the default SAMPLED times one append in SAMPLE_INTERVAL per thread: " + sampled);
            assertTrue(stats.appendLatency().p50() > 0 && stats.appendLatency().p50() <= stats.appendLatency().p999());
            wal.sync();
            final WalStats synced = wal.stats();
            assertEquals(0, synced.syncLag());
            assertTrue(synced.msyncs() >= 4 && synced.msyncLatency().count() == synced.msyncs());
            assertEquals(1000, wal.stats().records(), "a second snapshot counts nothing twice");
        }
    }

    @Test
    void shouldTimeEveryAppendWhenFull()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir.resolve("full")).shardCount(2)
            .syncMode(SyncMode.ASYNC).latencyRecording(LatencyRecording.FULL).build()))
        {
            assertEquals(300, write(wal, 300).appendLatency().count());
        }
    }

    @Test
    void shouldRecordNoLatencyWithCountersOnlyAndNoHistogramAtAllWhenOff()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir.resolve("a")).shardCount(2)
            .syncMode(SyncMode.STRICT).latencyRecording(LatencyRecording.COUNTERS_ONLY).build()))
        {
            final WalStats stats = write(wal, 20);
            assertEquals(20, stats.records());
            assertEquals(0, stats.appendLatency().count());
            assertTrue(stats.msyncLatency().count() > 0, "msyncs are still timed");
        }
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir.resolve("b")).shardCount(2)
            .syncMode(SyncMode.STRICT).latencyRecording(LatencyRecording.OFF).build()))
        {
            final WalStats stats = write(wal, 20);
            assertEquals(20, stats.records());
            assertTrue(stats.msyncs() > 0);
            assertEquals(0, stats.appendLatency().count() + stats.msyncLatency().count());
        }
    }

    @Test
    void shouldShowAClaimLeftOpenAsBytesInFlightWhileTheCommittedPositionStaysUntilItCommits()
    {
        try (ShardedWal wal = ShardedWal.open(oneShard()); WalClaim claim = new WalClaim())
        {
            wal.append(KEY, new byte[40]);
            final ShardStats before = shardStats(wal);
            assertEquals(0, before.inFlightBytes());
            assertEquals(before.committedPosition(), before.claimedPosition());

            final long position = RecordAddress.position(wal.tryClaim(KEY, VALUE_LENGTH, claim));
            assertEquals(before.committedPosition(), position);
            final ShardStats open = shardStats(wal);
            assertEquals(before.committedPosition(), open.committedPosition(), "the open claim holds the frontier");
            assertEquals(position + CLAIM_FRAME, open.claimedPosition());
            assertEquals(CLAIM_FRAME, open.inFlightBytes());
            assertEquals(CLAIM_FRAME, wal.stats().inFlightBytes());

            wal.append(KEY, new byte[40]);
            final ShardStats behind = shardStats(wal);
            assertEquals(position, behind.committedPosition(), "appends behind the open claim do not move it");
            assertEquals(CLAIM_FRAME + FrameDescriptor.align(FrameDescriptor.dataFrameLength(KEY.length, 40)),
                behind.inFlightBytes());

            claim.putValue(0, new byte[VALUE_LENGTH], 0, VALUE_LENGTH);
            claim.commit();
            final ShardStats committed = shardStats(wal);
            assertEquals(0, committed.inFlightBytes());
            assertEquals(behind.claimedPosition(), committed.committedPosition());

            try (WalClaim forgotten = new WalClaim())
            {
                wal.tryClaim(KEY, VALUE_LENGTH, forgotten);
                assertEquals(CLAIM_FRAME, shardStats(wal).inFlightBytes());
            }
            assertEquals(0, shardStats(wal).inFlightBytes(), "closing the claim aborted it");
        }
    }

    /**
     * A read-only open (another process, say) sees the claim the writer holds, also after appends behind it rolled
     * the shard twice: past segments whose tail overshot their end and up to, not into, the one prepared ahead.
     */
    @Test
    void shouldShowTheBytesInFlightToAReadOnlyOpenWhileTheWriterHoldsTheClaim()
    {
        try (ShardedWal writer = ShardedWal.open(oneShard()); WalClaim claim = new WalClaim())
        {
            writer.append(KEY, new byte[40]);
            final long position = RecordAddress.position(writer.tryClaim(KEY, VALUE_LENGTH, claim));
            try (ShardedWal reader = ShardedWal.openReadOnly(oneShard().directory()))
            {
                ShardStats seen = shardStats(reader);
                assertEquals(position, seen.committedPosition());
                assertEquals(position + CLAIM_FRAME, seen.claimedPosition());
                assertEquals(CLAIM_FRAME, seen.inFlightBytes());

                while (shardStats(writer).claimedPosition() < 2 * SEGMENT_SIZE + 100)
                {
                    writer.append(KEY, new byte[200]);
                }
                awaitSegments(writer, 4);
                final ShardStats written = shardStats(writer);
                seen = shardStats(reader);
                assertEquals(position, seen.committedPosition());
                assertEquals(written.claimedPosition(), seen.claimedPosition());
                assertEquals(written.claimedPosition() - position, seen.inFlightBytes());
                assertEquals(written.inFlightBytes(), seen.inFlightBytes());

                claim.putValue(0, new byte[VALUE_LENGTH], 0, VALUE_LENGTH);
                claim.commit();
                seen = shardStats(reader);
                assertEquals(0, seen.inFlightBytes());
                assertEquals(written.claimedPosition(), seen.committedPosition());
            }
        }
    }

    /**
     * Behind a claim the writer never commits, a read-only open reads each segment's tail once, not at every stats
     * call: the second call starts where the first one ended. Shown by deleting a segment the first call walked
     * past (no longer mapped: more segments than the view keeps mapped were written): a second walk over it would
     * fail.
     */
    @Test
    void shouldNotWalkAgainTheSegmentsWrittenPastAnOpenClaim() throws Exception
    {
        try (ShardedWal writer = ShardedWal.open(oneShard()); WalClaim claim = new WalClaim())
        {
            final long position = RecordAddress.position(writer.tryClaim(KEY, VALUE_LENGTH, claim));
            final long rolled = (WalOptions.DEFAULT_MAX_OPEN_READER_SEGMENTS + 8) * SEGMENT_SIZE;
            while (shardStats(writer).claimedPosition() < rolled)
            {
                writer.append(KEY, new byte[200]);
            }
            try (ShardedWal reader = ShardedWal.openReadOnly(oneShard().directory()))
            {
                assertEquals(shardStats(writer).claimedPosition(), shardStats(reader).claimedPosition());
                final long walked = position - position % SEGMENT_SIZE + SEGMENT_SIZE;
                Files.delete(writer.segments(0).fileFor(walked));
                writer.append(KEY, new byte[200]);
                final ShardStats seen = shardStats(reader);
                assertEquals(position, seen.committedPosition());
                assertEquals(shardStats(writer).claimedPosition(), seen.claimedPosition());
            }
        }
    }

    /**
     * A writer that crashed after claiming bytes it never wrote leaves a tail counter past its records; the next
     * writer's recovery cuts that tail back. A read-only open that saw the crashed writer's claims must not go on
     * reporting them (as bytes in flight) once the new writer has recovered: claims grow only within one writer.
     */
    @Test
    void shouldNotReportTheClaimsOfACrashedWriterOnceRecoveryCutThem() throws Exception
    {
        final long committed;
        try (ShardedWal writer = ShardedWal.open(oneShard()))
        {
            writer.append(KEY, new byte[VALUE_LENGTH]);
            committed = writer.committedPosition(0);
        }
        final Path log = oneShard().directory();
        CrashImages.setTail(CrashImages.segmentFile(log, 0, 0), committed + 4 * CLAIM_FRAME);
        CrashImages.markCrashed(log, true);
        try (ShardedWal reader = ShardedWal.openReadOnly(log))
        {
            assertEquals(committed + 4 * CLAIM_FRAME, shardStats(reader).claimedPosition());
            try (ShardedWal writer = ShardedWal.open(oneShard()))
            {
                assertEquals(committed, shardStats(writer).claimedPosition());
                assertEquals(committed, shardStats(reader).claimedPosition());
                assertEquals(0, shardStats(reader).inFlightBytes());
                writer.append(KEY, new byte[VALUE_LENGTH]);
                assertEquals(committed + CLAIM_FRAME, shardStats(reader).claimedPosition());
            }
        }
    }

    /** Waits for the preparer to have created the segment ahead of the writer's. */
    private static void awaitSegments(final ShardedWal wal, final int count)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (shardStats(wal).segmentCount() < count)
        {
            assertTrue(System.nanoTime() < deadline, "no segment prepared ahead: " + shardStats(wal));
            Thread.onSpinWait();
        }
    }
}
