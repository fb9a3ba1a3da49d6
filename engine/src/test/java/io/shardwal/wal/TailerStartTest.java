package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.shardwal.mmap.FrameClaim;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentAppender;
import io.shardwal.mmap.ShardwalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tailer or range read that starts at an 8-byte aligned position inside a record: an error naming the record that
 * holds it, whatever the record's bytes there look like, and never an endless wait or a CORRUPT log.
 */
class TailerStartTest
{
    private static final byte[] KEY = {1};
    /** Frame of a 1-byte key and a 64-byte value: 12 + 1 + 64 = 77 bytes, 80 aligned. */
    private static final int FRAME = 80;
    private static final ValueLayout.OfInt COMMIT_WORD = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    private int logs;

    /** A new log in a directory of its own. */
    private ShardedWal open()
    {
        return ShardedWal.open(WalOptions.builder(dir.resolve("log-" + logs++)).shardCount(1).segmentSize(1 << 16)
            .syncMode(SyncMode.ASYNC).build());
    }

    /** A value whose int at {@code offset} (little-endian, as the commit word is read) is {@code word}. */
    private static byte[] valueWith(final int offset, final int word)
    {
        final byte[] value = new byte[64];
        ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, word);
        return value;
    }

    @Test
    void shouldRefuseAStartInsideARecordWhoseBytesThereReadAsNotCommitted()
    {
        assertRefusedInside(valueWith(11, 0));       // zeros: "not claimed yet", the tailer would wait for ever
        assertRefusedInside(valueWith(11, -40));     // negative: "a claim in progress", the same wait
    }

    @Test
    void shouldRefuseAStartInsideARecordWhoseBytesThereReadAsACommittedFrame()
    {
        assertRefusedInside(valueWith(11, 24));      // positive: read as a frame that fails its checks
    }

    /** Record 1's value starts 13 bytes into its frame; position + 24 is its byte 11. */
    private void assertRefusedInside(final byte[] value)
    {
        try (ShardedWal wal = open())
        {
            final long first = RecordAddress.position(wal.append(KEY, new byte[64]));
            final long record = RecordAddress.position(wal.append(KEY, value));
            wal.append(KEY, new byte[64]);
            final long inside = record + 24;

            try (Tailer tailer = wal.tailer(0, inside))
            {
                final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> tailer.poll(r -> { }, 10));
                assertInside(e, inside, record);
            }
            assertInside(assertThrows(IllegalArgumentException.class,
                () -> wal.iterShard(0, inside, Long.MAX_VALUE, r -> { })), inside, record);
            assertEquals(2, wal.iterShard(0, record, Long.MAX_VALUE, r -> { }), "its record position reads");
            assertEquals(3, wal.iterShard(0, first, Long.MAX_VALUE, r -> { }));
        }
    }

    private static void assertInside(final IllegalArgumentException e, final long start, final long record)
    {
        assertTrue(e.getMessage().contains("position " + start + " is not a record position"), e.getMessage());
        assertTrue(e.getMessage().contains("inside the frame at position " + record + " (77 bytes)"), e.getMessage());
        assertTrue(e.getMessage().contains(".wal"), "names the segment file: " + e.getMessage());
    }

    @Test
    void shouldWaitAtAPositionNotWrittenYetAndRefuseItOnceARecordCoversIt()
    {
        try (ShardedWal wal = open())
        {
            final long end = RecordAddress.position(wal.append(KEY, new byte[64])) + FRAME;
            try (Tailer tailer = wal.tailer(0, end + 8))
            {
                assertEquals(0, tailer.poll(r -> { }, 10), "nothing claimed there yet: wait");
                assertEquals(0, tailer.poll(r -> { }, 10));
                wal.append(KEY, new byte[64]);
                final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> tailer.poll(r -> { }, 10));
                assertInside(e, end + 8, end);
            }
        }
    }

    @Test
    void shouldWaitAtAPositionNotWrittenYetAndReadFromItOnceItIsARecord()
    {
        try (ShardedWal wal = open())
        {
            final long end = RecordAddress.position(wal.append(KEY, new byte[64])) + FRAME;
            try (Tailer tailer = wal.tailer(0, end + FRAME))
            {
                assertEquals(0, tailer.poll(r -> { }, 10));
                wal.append(KEY, new byte[64]);
                final long wanted = wal.append(KEY, new byte[64]);
                final List<Long> seen = new ArrayList<>();
                assertEquals(1, tailer.poll(r -> seen.add(r.address()), 10));
                assertEquals(List.of(wanted), seen);
            }
        }
    }

    @Test
    void shouldWaitAtAClaimInProgressAndRefuseAStartInsideIt()
    {
        try (ShardedWal wal = open(); WalClaim claim = new WalClaim())
        {
            wal.append(KEY, new byte[64]);
            final long claimed = RecordAddress.position(wal.tryClaim(KEY, 64, claim));
            try (Tailer atClaim = wal.tailer(0, claimed); Tailer insideClaim = wal.tailer(0, claimed + 16))
            {
                assertEquals(0, atClaim.poll(r -> { }, 10), "a claim in progress at the start: wait for it");
                assertEquals(0, atClaim.poll(r -> { }, 10));
                assertInside(assertThrows(IllegalArgumentException.class, () -> insideClaim.poll(r -> { }, 10)),
                    claimed + 16, claimed);

                claim.putValue(0, new byte[64], 0, 64);
                final long committed = claim.commit();
                final List<Long> seen = new ArrayList<>();
                assertEquals(1, atClaim.poll(r -> seen.add(r.address()), 10));
                assertEquals(List.of(committed), seen);
            }
        }
    }

    @Test
    void shouldWaitRatherThanReportCorruptWhileAClaimBeforeTheStartHasNotStoredItsCommitWord() throws IOException
    {
        try (ShardedWal wal = open(); WalClaim claim = new WalClaim())
        {
            wal.append(KEY, new byte[64]);
            final long claimed = RecordAddress.position(wal.tryClaim(KEY, 64, claim));
            final long record = RecordAddress.position(wal.append(KEY, valueWith(11, 24)));
            final long inside = record + 24;    // reads as a frame that fails its checks
            try (MappedSegment segment = MappedSegment.openReadWrite(wal.shard(0).segments().fileFor(0));
                Tailer tailer = wal.tailer(0, inside))
            {
                // The claim as it is between its writer's getAndAdd on the tail and its store of -length.
                segment.data().set(COMMIT_WORD, claimed, 0);
                assertEquals(0, tailer.poll(r -> { }, 10), "the frames before the start cannot be told yet: wait");
                segment.data().set(COMMIT_WORD, claimed, -77);
                assertInside(assertThrows(IllegalArgumentException.class, () -> tailer.poll(r -> { }, 10)),
                    inside, record);
            }
            claim.putValue(0, new byte[64], 0, 64);
            claim.commit();
        }
    }

    @Test
    void shouldWaitAtAPositionNotWrittenYetWhileABatchThatWillHoldARecordThereIsWritten() throws IOException
    {
        try (ShardedWal wal = open())
        {
            final long batch = RecordAddress.position(wal.append(KEY, new byte[64])) + FRAME;
            // A batch of three records of 1-byte keys and values: a 16-byte header, then 16 bytes a record.
            final long second = batch + 32;
            final long third = batch + 48;
            final List<Long> positions = new ArrayList<>();
            try (MappedSegment segment = MappedSegment.openReadWrite(wal.shard(0).segments().fileFor(0));
                Tailer atSecond = wal.tailer(0, second); Tailer atThird = wal.tailer(0, third))
            {
                assertEquals(0, atThird.poll(r -> { }, 10));
                final long[] written = new long[3];
                new SegmentAppender(segment).appendBatch(new HeldBatch(3, 1, () ->
                {
                    assertEquals(0, atSecond.poll(r -> { }, 10), "a record of a batch being written: wait");
                    assertEquals(0, atThird.poll(r -> { }, 10), "a record of a batch being written: wait");
                }), written, new FrameClaim());
                assertEquals(List.of(second, third), List.of(written[1], written[2]));
                assertEquals(2, atSecond.poll(r -> positions.add(r.position()), 10));
                assertEquals(1, atThird.poll(r -> positions.add(r.position()), 10));
            }
            assertEquals(List.of(second, third, third), positions);
        }
    }

    @Test
    void shouldReadFromARecordInsideABatch()
    {
        try (ShardedWal wal = open())
        {
            final WalBatch batch = wal.newBatch();
            for (int i = 0; i < 3; i++)
            {
                batch.add(KEY, new byte[] {(byte)i});
            }
            wal.appendBatch(batch);
            final List<Long> seen = new ArrayList<>();
            try (Tailer tailer = wal.tailer(0, RecordAddress.position(batch.address(1))))
            {
                assertEquals(2, tailer.poll(r -> seen.add(r.address()), 10));
            }
            assertEquals(Arrays.asList(batch.address(1), batch.address(2)), seen);
        }
    }

    /**
     * A start at a record position (say a checkpoint's) whose frame is damaged, with damage before it too (a length
     * only damage makes): the walk that tells starts from starts inside records lands "inside" the damaged frame, and
     * the file is to blame (CORRUPT naming it), not the start (never IllegalArgumentException).
     */
    @Test
    void shouldBlameTheSegmentNotTheStartWhenDamageBeforeTheStartHidesItsFrames()
    {
        final Path log = dir.resolve("damaged");
        final long[] positions = new long[12];
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(log).shardCount(1).segmentSize(1 << 16)
            .syncMode(SyncMode.ASYNC).build()))
        {
            for (int i = 0; i < positions.length; i++)
            {
                positions[i] = RecordAddress.position(wal.append(KEY, new byte[64]));
            }
        }
        final Path segment = CrashImages.segmentFile(log, 0, 0);
        CrashImages.write(segment, CrashImages.fileOffset(positions[3], 1 << 16),
            ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0x7000_0000).array());
        for (final boolean zeroed : new boolean[] {false, true})
        {
            // The frame at the start fails its checksum (the reader's CORRUPT), or reads as not committed yet
            if (zeroed)
            {
                CrashImages.zero(segment, CrashImages.fileOffset(positions[8], 1 << 16), FRAME);
            }
            else
            {
                CrashImages.flipBit(segment, CrashImages.fileOffset(positions[8], 1 << 16) + 20, 0);
            }
            try (ShardedWal wal = ShardedWal.openReadOnly(log); Tailer tailer = wal.tailer(0, positions[8]))
            {
                final ShardwalException e = assertThrows(ShardwalException.class,
                    () -> tailer.poll(record -> { }, 10), "zeroed " + zeroed);
                assertEquals(ShardwalException.Category.CORRUPT, e.category(), e.getMessage());
                assertEquals(segment, e.file(), e.getMessage());
                assertTrue(e.getMessage().contains("position " + (zeroed ? positions[3] : positions[8])),
                    e.getMessage());
            }
        }
    }

    @Test
    void shouldStartAtEveryRecordPositionWhileWritersAppendAcrossRolls() throws Exception
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir.resolve("live")).shardCount(1)
            .segmentSize(1 << 16).syncMode(SyncMode.ASYNC).build()))
        {
            LiveStarts.check(wal, (random, latest, stop) ->
            {
                try (WalClaim claim = new WalClaim())
                {
                    writeUntilStopped(wal, claim, random, latest, stop);
                }
            });
        }
    }

    private static void writeUntilStopped(final ShardedWal wal, final WalClaim claim, final Random random,
        final AtomicLong latest, final AtomicBoolean stop)
    {
        while (!stop.get())
        {
            if (random.nextInt(8) == 0)     // a claim left open for a moment
            {
                latest.set(wal.tryClaim(KEY, 1 + random.nextInt(300), claim));
                Thread.onSpinWait();
                claim.commit();
            }
            else
            {
                latest.set(wal.append(KEY, new byte[random.nextInt(300)]));
            }
        }
    }
}
