package io.shardwal.mmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentAppenderTest
{
    private static final int CAPACITY = 4096;

    @TempDir
    Path dir;

    private MappedSegment segment;
    private SegmentAppender appender;
    private final FrameClaim claim = new FrameClaim();

    @BeforeEach
    void open() throws IOException
    {
        segment = MappedSegment.create(dir.resolve("seg.wal"), 8192, CAPACITY, 3);
        appender = new SegmentAppender(segment);
    }

    @AfterEach
    void close()
    {
        segment.close();
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldMakeACommittedClaimVisibleAndAnUncommittedOneInvisible()
    {
        final long position = appender.tryClaim(3, 5, claim);
        assertEquals(8192, position);
        assertEquals(position, claim.position());
        claim.putKey(bytes("abc")).putValue(0, bytes("hello"), 0, 5);
        final FrameReader reader = new FrameReader(segment, 0, true);
        final Collected collected = new Collected();
        assertEquals(0, reader.poll(collected, 10), "an uncommitted claim is not delivered");
        assertEquals(-20, segment.data().get(FrameDescriptor.INT, 0), "a claim is marked with -length at once");
        claim.commit();
        assertEquals(1, reader.poll(collected, 10));
        assertEquals(new String(collected.frames.getFirst().key()), "abc");
        assertArrayEquals(bytes("hello"), collected.frames.getFirst().value());
        assertEquals(8192, collected.frames.getFirst().position());
        assertEquals(24, reader.offset(), "20 bytes aligned to 24");
    }

    @Test
    void shouldSkipAnAbortedClaimAndNeverDeliverIt()
    {
        appender.tryClaim(1, 10, claim);
        claim.putKey(bytes("x"));
        claim.abort();
        assertFalse(claim.isActive());
        final long second = appender.append(bytes("k"), bytes("v"));
        final List<Collected.Frame> frames = Collected.readAll(segment);
        assertEquals(1, frames.size());
        assertEquals(second, frames.getFirst().position());
    }

    @Test
    void shouldAbortAClaimThatIsClosedWithoutCommit()
    {
        try (FrameClaim scoped = new FrameClaim())
        {
            appender.tryClaim(0, 32, scoped);
            scoped.putValue(0, new byte[32], 0, 32);
        }
        appender.append(bytes("after"), bytes("close"));
        final List<Collected.Frame> frames = Collected.readAll(segment);
        assertEquals(1, frames.size());
        assertEquals("after", new String(frames.getFirst().key()));
    }

    @Test
    void shouldRefuseToCommitTwiceOrClaimWhileActive()
    {
        appender.tryClaim(0, 8, claim);
        assertThrows(IllegalStateException.class, () -> appender.tryClaim(0, 8, claim));
        claim.commit();
        assertThrows(IllegalStateException.class, claim::commit);
        assertThrows(IllegalStateException.class, claim::abort);
        assertThrows(IllegalStateException.class, () -> claim.putKey(new byte[0]));
    }

    @Test
    void shouldFillASegmentExactlyAndThenReportSegmentFull()
    {
        final byte[] value = new byte[64 - FrameDescriptor.HEADER_LENGTH];
        for (int i = 0; i < CAPACITY / 64; i++)
        {
            assertEquals(8192 + 64L * i, appender.append(new byte[0], value));
        }
        assertEquals(SegmentAppender.SEGMENT_FULL, appender.append(new byte[0], value));
        assertEquals(SegmentAppender.SEGMENT_FULL, appender.tryClaim(0, 4, claim));
        assertFalse(claim.isActive());
        assertTrue(segment.tailAcquire() > CAPACITY, "the tail overshoots and is read as min(tail, capacity)");
        assertEquals(CAPACITY, segment.claimedLimit());
        final FrameReader reader = new FrameReader(segment, 0, true);
        assertEquals(CAPACITY / 64, reader.poll(new Collected(), 1000));
        assertTrue(reader.isEndOfSegment());
    }

    @Test
    void shouldPadTheRestOfTheSegmentWhenAClaimStraddlesTheEnd()
    {
        final long filler = CAPACITY - 40 - FrameDescriptor.HEADER_LENGTH;
        appender.append(new byte[0], new byte[(int)filler]);
        assertEquals(CAPACITY - 40, segment.tailAcquire());
        assertEquals(SegmentAppender.SEGMENT_FULL, appender.append(new byte[0], new byte[60]));
        final int padLength = segment.data().get(FrameDescriptor.INT, CAPACITY - 40);
        assertEquals(40, padLength, "the straddling writer pads the remaining 40 bytes");
        assertEquals(FrameDescriptor.TYPE_PAD, segment.data().get(ValueLayout.JAVA_BYTE, CAPACITY - 40 + 8));
        final FrameReader reader = new FrameReader(segment, 0, true);
        assertEquals(1, reader.poll(new Collected(), 10));
        assertTrue(reader.isEndOfSegment());
    }

    @Test
    void shouldTreatARemainderSmallerThanAFrameAsTheEnd()
    {
        appender.append(new byte[0], new byte[CAPACITY - 8 - FrameDescriptor.HEADER_LENGTH]);
        assertEquals(CAPACITY - 8, segment.tailAcquire());
        assertEquals(SegmentAppender.SEGMENT_FULL, appender.append(new byte[0], new byte[1]));
        assertEquals(0, segment.data().get(ValueLayout.JAVA_LONG, CAPACITY - 8), "8 bytes cannot hold a PAD");
        final FrameReader reader = new FrameReader(segment, 0, true);
        assertEquals(1, reader.poll(new Collected(), 10));
        assertTrue(reader.isEndOfSegment());
    }

    @Test
    void shouldAppendFromBuffersAndSegmentsWithoutMovingTheirPositions()
    {
        final ByteBuffer key = ByteBuffer.allocateDirect(4).put(bytes("dkey")).flip();
        final ByteBuffer value = ByteBuffer.wrap(bytes("..heap value..")).position(2).limit(12);
        appender.append(key, value, claim);
        assertEquals(0, key.position());
        assertEquals(2, value.position());
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment offHeapKey = arena.allocateFrom("seg", StandardCharsets.UTF_8).asSlice(0, 3);
            appender.append(offHeapKey, MemorySegment.ofArray(bytes("segment value")), claim);
        }
        final List<Collected.Frame> frames = Collected.readAll(segment);
        assertEquals("dkey", new String(frames.get(0).key()));
        assertEquals("heap value", new String(frames.get(0).value()));
        assertEquals("seg", new String(frames.get(1).key()));
        assertEquals("segment value", new String(frames.get(1).value()));
    }

    @Test
    void shouldWriteABatchWithOnePositionPerRecordAndPublishItAtOnce()
    {
        final TestBatch batch = new TestBatch(List.of(bytes("a"), bytes("bb"), bytes("ccc")),
            List.of(bytes("1"), bytes("22"), bytes("333")));
        final long[] positions = new long[3];
        final long header = appender.appendBatch(batch, positions, claim);
        assertEquals(8192, header);
        assertEquals(8192 + FrameDescriptor.BATCH_HEADER_LENGTH, positions[0]);
        final List<Collected.Frame> frames = Collected.readAll(segment);
        assertEquals(3, frames.size());
        for (int i = 0; i < 3; i++)
        {
            assertEquals(positions[i], frames.get(i).position());
            assertArrayEquals(batch.keys.get(i), frames.get(i).key());
            assertArrayEquals(batch.values.get(i), frames.get(i).value());
        }
        final long next = appender.append(bytes("after"), bytes("batch"));
        assertEquals(8192 + SegmentAppender.batchLength(batch), next);
    }

    @Test
    void shouldHideEveryRecordOfABatchUntilItsSingleCommit()
    {
        final TestBatch batch = new TestBatch(List.of(bytes("a"), bytes("b")), List.of(bytes("1"), bytes("2")));
        appender.appendBatch(batch, new long[2], claim);
        final int committed = segment.data().get(FrameDescriptor.INT, 0);
        segment.data().set(FrameDescriptor.INT, 0, -committed);
        assertEquals(0, Collected.readAll(segment).size(), "inner frames are invisible while the batch is open");
        segment.data().set(FrameDescriptor.INT, 0, committed);
        assertEquals(2, Collected.readAll(segment).size());
    }

    @Test
    void shouldPadTheClaimOfABatchWhoseSourceFailsSoLaterRecordsStayVisible()
    {
        final Arena arena = Arena.ofConfined();
        final MemorySegment value = arena.allocate(16);
        arena.close(); // the caller's memory is gone by the time the batch is copied
        final TestBatch readable = new TestBatch(List.of(bytes("a"), bytes("b")), List.of(bytes("1"), bytes("2")));
        final BatchSource unreadable = new BatchSource()
        {
            @Override
            public int size()
            {
                return readable.size();
            }

            @Override
            public int keyLength(final int index)
            {
                return readable.keyLength(index);
            }

            @Override
            public int valueLength(final int index)
            {
                return readable.valueLength(index);
            }

            @Override
            public void copyKey(final int index, final MemorySegment destination, final long offset)
            {
                readable.copyKey(index, destination, offset);
            }

            @Override
            public void copyValue(final int index, final MemorySegment destination, final long offset)
            {
                MemorySegment.copy(index == 1 ? value : MemorySegment.ofArray(readable.values.get(index)), 0,
                    destination, offset, 1);
            }
        };
        final IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
            () -> appender.appendBatch(unreadable, new long[2], claim));
        assertTrue(failure.getMessage().startsWith("record 1 of the batch cannot be read from its source"),
            failure.getMessage());
        assertTrue(failure.getMessage().contains("position 8192 of " + segment.file()), failure.getMessage());

        final long after = appender.append(bytes("k"), bytes("acknowledged"));
        final List<Collected.Frame> frames = Collected.readAll(segment);
        assertEquals(1, frames.size(), "the failed batch is padding, not a claim that stops readers");
        assertEquals(after, frames.getFirst().position());
        assertEquals(after + FrameDescriptor.align(FrameDescriptor.dataFrameLength(1, 12)) - 8192,
            SegmentScanner.committedFrontier(segment, 0), "the committed frontier passes the failed batch");
    }

    @Test
    void shouldRejectBadLengthsWithClearErrors()
    {
        final IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
            () -> appender.tryClaim(-1, 10, claim));
        assertTrue(negative.getMessage().contains("key length -1"), negative.getMessage());
        assertThrows(IllegalArgumentException.class, () -> appender.tryClaim(0, -5, claim));
        assertThrows(IllegalArgumentException.class, () -> appender.tryClaim(FrameDescriptor.MAX_KEY_LENGTH + 1, 0, claim));
        final IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
            () -> appender.append(new byte[0], new byte[CAPACITY]));
        assertTrue(tooBig.getMessage().contains("can never fit"), tooBig.getMessage());
        assertTrue(tooBig.getMessage().contains(segment.file().toString()), tooBig.getMessage());
        assertThrows(IllegalArgumentException.class, () -> appender.tryClaim(0, Integer.MAX_VALUE, claim));
        assertThrows(IllegalArgumentException.class,
            () -> appender.appendBatch(new TestBatch(List.of(), List.of()), new long[0], claim));
        assertThrows(IllegalArgumentException.class, () -> appender.appendBatch(
            new TestBatch(List.of(new byte[0]), List.of(new byte[CAPACITY])), new long[1], claim));
        assertEquals(0, segment.tailAcquire(), "rejected appends claim nothing");
        final IndexOutOfBoundsException outside = assertThrows(IndexOutOfBoundsException.class, () ->
        {
            appender.tryClaim(0, 4, claim);
            claim.putValue(2, new byte[4], 0, 4);
        });
        assertTrue(outside.getMessage().contains("outside the claimed value"), outside.getMessage());
        claim.abort();
    }

    @Test
    void shouldNameSegmentFullInItsErrorString()
    {
        assertTrue(SegmentAppender.errorString(SegmentAppender.SEGMENT_FULL).startsWith("SEGMENT_FULL"));
    }

    /** A batch over lists of byte arrays. */
    static final class TestBatch implements BatchSource
    {
        final List<byte[]> keys;
        final List<byte[]> values;

        TestBatch(final List<byte[]> keys, final List<byte[]> values)
        {
            this.keys = keys;
            this.values = values;
        }

        @Override
        public int size()
        {
            return keys.size();
        }

        @Override
        public int keyLength(final int index)
        {
            return keys.get(index).length;
        }

        @Override
        public int valueLength(final int index)
        {
            return values.get(index).length;
        }

        @Override
        public void copyKey(final int index, final MemorySegment destination, final long offset)
        {
            MemorySegment.copy(keys.get(index), 0, destination, ValueLayout.JAVA_BYTE, offset, keys.get(index).length);
        }

        @Override
        public void copyValue(final int index, final MemorySegment destination, final long offset)
        {
            MemorySegment.copy(values.get(index), 0, destination, ValueLayout.JAVA_BYTE, offset,
                values.get(index).length);
        }
    }
}
