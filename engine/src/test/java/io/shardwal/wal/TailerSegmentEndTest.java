package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start in the last bytes of a segment, too few for a frame: the segment's end if no frame covers them (the last
 * frame ends before them), a start inside a record if the last frame does, and unknown until writers got there.
 */
class TailerSegmentEndTest
{
    private static final int SEGMENT = 1 << 16;
    /** The only 8-byte aligned position in a segment's last 15 bytes. */
    private static final long LAST_BYTES = SEGMENT - 8;
    private static final byte[] KEY = {1};
    /** Frames of a 1-byte key and a 64-byte value: 77 bytes, 80 aligned; 818 of them end at 65440. */
    private static final int FRAMES = 818;
    private static final long AFTER_FRAMES = FRAMES * 80L;

    @TempDir
    Path dir;

    private ShardedWal open()
    {
        return ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(SEGMENT).syncMode(SyncMode.ASYNC)
            .build());
    }

    private static void appendFrames(final ShardedWal wal, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            wal.append(KEY, new byte[64]);
        }
    }

    /** Appends a record whose frame is {@code frameLength} bytes (unaligned): 12 header, 1 key, the rest value. */
    private static long appendFrameOf(final ShardedWal wal, final int frameLength)
    {
        return RecordAddress.position(wal.append(KEY, new byte[frameLength - 13]));
    }

    @Test
    void shouldRefuseAStartInTheLastBytesOfASegmentThatTheLastRecordCovers()
    {
        try (ShardedWal wal = open())
        {
            appendFrames(wal, FRAMES);
            final long last = appendFrameOf(wal, 96);       // [65440, 65536): the segment's last 8 bytes are in it
            assertEquals(AFTER_FRAMES, last);
            final long next = RecordAddress.position(wal.append(KEY, new byte[64]));
            assertEquals(SEGMENT, next, "the next record opens the next segment");

            try (Tailer tailer = wal.tailer(0, LAST_BYTES))
            {
                assertInside(assertThrows(IllegalArgumentException.class, () -> tailer.poll(r -> { }, 10)), last,
                    96);
                assertEquals(LAST_BYTES, tailer.position(), "it did not move on to the next segment");
            }
            assertInside(assertThrows(IllegalArgumentException.class,
                () -> wal.iterShard(0, LAST_BYTES, Long.MAX_VALUE, r -> { })), last, 96);
        }
    }

    @Test
    void shouldRefuseAStartInTheLastBytesOfASegmentInsideThePaddingThatEndsIt()
    {
        try (ShardedWal wal = open())
        {
            appendFrames(wal, FRAMES + 1);                  // ends at 65520: 16 bytes left
            final long next = RecordAddress.position(wal.append(KEY, new byte[64]));   // pads [65520, 65536)
            assertEquals(SEGMENT, next);
            try (Tailer tailer = wal.tailer(0, LAST_BYTES))
            {
                assertInside(assertThrows(IllegalArgumentException.class, () -> tailer.poll(r -> { }, 10)),
                    SEGMENT - 16, 16);
            }
        }
    }

    @Test
    void shouldReadTheLastBytesAfterTheLastFrameAsTheSegmentsEnd()
    {
        try (ShardedWal wal = open())
        {
            appendFrames(wal, FRAMES);
            final long last = appendFrameOf(wal, 88);       // [65440, 65528): 8 bytes are left, too few for a frame
            final long next = wal.append(KEY, new byte[64]);
            assertEquals(SEGMENT, RecordAddress.position(next));

            // A tailer that stopped right after the segment's last record holds that position.
            final long resume;
            try (Tailer tailer = wal.tailer(0, last))
            {
                assertEquals(1, tailer.poll(r -> { }, 1));
                resume = tailer.position();
            }
            assertEquals(LAST_BYTES, resume);
            final List<Long> seen = new ArrayList<>();
            try (Tailer tailer = wal.tailer(0, resume))
            {
                assertEquals(1, tailer.poll(r -> seen.add(r.address()), 10));
            }
            assertEquals(List.of(next), seen);
            assertEquals(1, wal.iterShard(0, resume, Long.MAX_VALUE, r -> { }));
        }
    }

    @Test
    void shouldWaitInTheLastBytesOfASegmentUntilWritersGetThereAndThenTellThem()
    {
        try (ShardedWal wal = open())
        {
            appendFrames(wal, FRAMES);
            try (Tailer inside = wal.tailer(0, LAST_BYTES))
            {
                assertEquals(0, inside.poll(r -> { }, 10), "nothing written there yet: wait");
                assertEquals(LAST_BYTES, inside.position(), "waiting where it started, not in the next segment");
                final long last = appendFrameOf(wal, 96);
                wal.append(KEY, new byte[64]);
                assertInside(assertThrows(IllegalArgumentException.class, () -> inside.poll(r -> { }, 10)), last,
                    96);
            }
        }
    }

    @Test
    void shouldWaitInTheLastBytesOfASegmentUntilWritersGetThereAndThenReadOn()
    {
        try (ShardedWal wal = open())
        {
            appendFrames(wal, FRAMES);
            try (Tailer atEnd = wal.tailer(0, LAST_BYTES))
            {
                assertEquals(0, atEnd.poll(r -> { }, 10));
                appendFrameOf(wal, 88);
                final long next = wal.append(KEY, new byte[64]);
                final List<Long> seen = new ArrayList<>();
                assertEquals(1, atEnd.poll(r -> seen.add(r.address()), 10));
                assertEquals(List.of(next), seen);
            }
        }
    }

    private static void assertInside(final IllegalArgumentException e, final long frame, final int length)
    {
        assertTrue(e.getMessage().contains("position " + LAST_BYTES + " is not a record position"), e.getMessage());
        assertTrue(e.getMessage().contains("inside the frame at position " + frame + " (" + length + " bytes)"),
            e.getMessage());
    }
}
