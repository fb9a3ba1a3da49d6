package io.shardwal.mmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SegmentAppender#unblock}: padding over a claim its writer left open, racing that writer. */
class UnblockTest
{
    private static final int CAPACITY = 4096;
    private static final long BASE = 8192;

    @TempDir
    Path dir;

    private MappedSegment segment;
    private SegmentAppender appender;
    private final FrameClaim claim = new FrameClaim();

    @BeforeEach
    void open() throws IOException
    {
        segment = MappedSegment.create(dir.resolve("seg.wal"), BASE, CAPACITY, 3);
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
    void shouldPadOverAnOpenClaimSoThatReadersPassItAndItsCommitFails()
    {
        appender.tryClaim(3, 20, claim);
        claim.putKey(bytes("key"));
        final long later = appender.append(bytes("k"), bytes("acknowledged"));
        assertEquals(0, Collected.readAll(segment).size(), "the open claim holds the later record back");

        assertEquals(FrameDescriptor.align(FrameDescriptor.HEADER_LENGTH + 23), SegmentAppender.unblock(segment, 0));
        claim.putValue(0, new byte[20], 0, 20); // the owner's late stores land in the padding's body
        final ShardwalException failure = assertThrows(ShardwalException.class, claim::commit);
        assertEquals(ShardwalException.Category.TIMEOUT, failure.category());
        assertTrue(failure.getMessage().contains("the claim at position " + BASE + " was still open when it was "
            + "padded over"), failure.getMessage());
        assertTrue(failure.getMessage().contains(segment.file().toString()), failure.getMessage());
        assertFalse(claim.isActive());

        assertOnlyDelivered(later, "the padded claim is skipped, never delivered");
    }

    @Test
    void shouldLeaveCommittedAbortedAndUnclaimedFramesAlone()
    {
        final long committed = appender.append(bytes("a"), bytes("1"));
        appender.tryClaim(0, 4, claim);
        claim.abort();
        final long aborted = claim.position();
        final long unclaimed = appender.append(bytes("b"), bytes("2")) - BASE + FrameDescriptor.MIN_FRAME_LENGTH;

        assertEquals(0, SegmentAppender.unblock(segment, committed - BASE));
        assertEquals(0, SegmentAppender.unblock(segment, aborted - BASE));
        assertEquals(0, SegmentAppender.unblock(segment, unclaimed));
        assertEquals(2, Collected.readAll(segment).size());
        assertClean();
    }

    @Test
    void shouldTakeAnAbortAfterTheClaimWasPaddedOverAsDone()
    {
        appender.tryClaim(0, 8, claim);
        assertTrue(SegmentAppender.unblock(segment, 0) > 0);
        claim.abort();
        assertFalse(claim.isActive());
        assertEquals(0, SegmentAppender.unblock(segment, 0), "a claim is padded over once");
        assertOnlyDelivered(appender.append(bytes("k"), bytes("v")), "the aborted claim is padding");
    }

    @Test
    void shouldFailABatchWhoseClaimWasPaddedOverWhileItWasFilled()
    {
        final BatchSource source = new BatchSource()
        {
            @Override
            public int size()
            {
                return 2;
            }

            @Override
            public int keyLength(final int index)
            {
                return 1;
            }

            @Override
            public int valueLength(final int index)
            {
                return 8;
            }

            @Override
            public void copyKey(final int index, final MemorySegment destination, final long offset)
            {
                destination.set(java.lang.foreign.ValueLayout.JAVA_BYTE, offset, (byte)'k');
            }

            @Override
            public void copyValue(final int index, final MemorySegment destination, final long offset)
            {
                if (index == 1)
                {
                    assertTrue(SegmentAppender.unblock(segment, 0) > 0, "the batch is in flight");
                }
                destination.asSlice(offset, 8).fill((byte)index);
            }
        };
        final ShardwalException failure = assertThrows(ShardwalException.class,
            () -> appender.appendBatch(source, new long[2], claim));
        assertEquals(ShardwalException.Category.TIMEOUT, failure.category());
        final long later = appender.append(bytes("k"), bytes("after"));
        assertOnlyDelivered(later, "no record of the padded batch is delivered");
    }

    @Test
    void shouldLeaveAClaimTakenByACrashedUnblockToRecoveryAsADeadClaim()
    {
        appender.tryClaim(0, 8, claim);
        assertTrue(FrameDescriptor.take(segment.data(), 0, FrameDescriptor.HEADER_LENGTH + 8));
        appender.append(bytes("k"), bytes("v"));
        final SegmentScanner.Result result = SegmentScanner.scan(segment, 0, true, false, SegmentScanner.Mode.REPAIR);
        assertEquals(1, result.records());
        assertEquals(SegmentScanner.Kind.DEAD_CLAIM, result.findings().getFirst().kind());
        assertEquals(BASE, result.findings().getFirst().position());
    }

    @Test
    void shouldRefuseOffsetsThatCannotStartAFrameAndReadOnlyOrClosedSegments() throws IOException
    {
        for (final long offset : new long[] {-8, 4, CAPACITY - 8, CAPACITY})
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SegmentAppender.unblock(segment, offset));
            assertTrue(e.getMessage().contains("offset " + offset + " cannot start a frame of " + segment.file()),
                e.getMessage());
        }
        try (MappedSegment readOnly = MappedSegment.openReadOnly(segment.file()))
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SegmentAppender.unblock(readOnly, 0));
            assertTrue(e.getMessage().contains("it is mapped read-only"), e.getMessage());
        }
        segment.close();
        assertEquals(ShardwalException.Category.CLOSED,
            assertThrows(ShardwalException.class, () -> SegmentAppender.unblock(segment, 0)).category());
    }

    /**
     * A writer appends (copying and zero-copy, a few claims left open on purpose) while another thread pads over
     * whatever claim holds the committed frontier: every record whose append returned is read back once, intact,
     * no record whose append failed is, and the segment holds no damage.
     */
    @Test
    void shouldDeliverExactlyTheAppendsThatSucceededWhileClaimsArePaddedOverConcurrently() throws Exception
    {
        final int records = 200_000;
        try (MappedSegment big = MappedSegment.create(dir.resolve("big.wal"), 0, 64L << 20, 0))
        {
            final SegmentAppender writer = new SegmentAppender(big);
            final AtomicBoolean done = new AtomicBoolean();
            final AtomicLong padded = new AtomicLong();
            final Thread unblocker = Thread.ofPlatform().start(() ->
            {
                long frontier = 0;
                while (!done.get())
                {
                    frontier = SegmentScanner.committedFrontier(big, frontier);
                    if (frontier <= big.capacity() - FrameDescriptor.MIN_FRAME_LENGTH
                        && SegmentAppender.unblock(big, frontier) > 0)
                    {
                        padded.incrementAndGet();
                    }
                }
            });
            final Set<Long> succeeded = new HashSet<>();
            final List<Long> failed = new ArrayList<>();
            final FrameClaim workspace = new FrameClaim();
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < records; i++)
            {
                final byte[] value = new byte[8 + random.nextInt(40)];
                java.util.Arrays.fill(value, (byte)i);
                try
                {
                    if ((i & 1) == 0)
                    {
                        succeeded.add(writer.append(longKey(i), value, workspace));
                    }
                    else
                    {
                        final long position = writer.tryClaim(8, value.length, workspace);
                        workspace.putKey(longKey(i)).putValue(0, value, 0, value.length);
                        if (i % 1001 == 0)
                        {
                            workspace.abort();
                            continue;
                        }
                        workspace.commit();
                        succeeded.add(position);
                    }
                }
                catch (final ShardwalException e)
                {
                    assertEquals(ShardwalException.Category.TIMEOUT, e.category(), e.getMessage());
                    failed.add((long)i);
                }
            }
            done.set(true);
            unblocker.join();

            final List<Collected.Frame> frames = Collected.readAll(big);
            assertEquals(succeeded.size(), frames.size());
            for (final Collected.Frame frame : frames)
            {
                assertTrue(succeeded.contains(frame.position()), "delivered once, and only if its append returned");
                final long index = java.nio.ByteBuffer.wrap(frame.key()).getLong();
                for (final byte b : frame.value())
                {
                    assertEquals((byte)index, b, "record " + index + " intact");
                }
            }
            assertTrue(SegmentScanner.scan(big, 0, true, false, SegmentScanner.Mode.VERIFY).findings().isEmpty());
            assertTrue(padded.get() >= failed.size(), padded.get() + " padded, " + failed.size() + " failed");
            assertTrue(padded.get() > 0, "the race padded over some claims (" + padded.get() + ")");
        }
    }

    private static byte[] longKey(final long value)
    {
        return java.nio.ByteBuffer.allocate(8).putLong(value).array();
    }

    /** The segment delivers the one record at {@code position} and holds no damage. */
    private void assertOnlyDelivered(final long position, final String why)
    {
        final List<Collected.Frame> frames = Collected.readAll(segment);
        assertEquals(1, frames.size(), why);
        assertEquals(position, frames.getFirst().position());
        assertClean();
    }

    private void assertClean()
    {
        final SegmentScanner.Result result = SegmentScanner.scan(segment, 0, true, false, SegmentScanner.Mode.VERIFY);
        assertTrue(result.findings().isEmpty(), result.findings().toString());
    }
}
