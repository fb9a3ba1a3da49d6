package io.shardwal.mmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record inside a batch is one of the log once its batch is committed, not before (its frame is written first),
 * and never when the batch became padding: abandoned by its writer, or set aside by recovery.
 */
class CommittedPrefixTest
{
    private static final int CAPACITY = 16 * 1024;
    private static final long BASE = 1L << 20;
    /** Records of a 1-byte key and a 1-byte value take 16 bytes. */
    private static final int RECORD = 16;

    @TempDir
    Path dir;

    private MappedSegment segment;
    private SegmentAppender appender;
    private final FrameClaim claim = new FrameClaim();

    @BeforeEach
    void open() throws IOException
    {
        segment = MappedSegment.create(dir.resolve("seg.wal"), BASE, CAPACITY, 0);
        appender = new SegmentAppender(segment);
    }

    @AfterEach
    void close()
    {
        segment.close();
    }

    /** Appends a batch of {@code count} records, running {@code whileWriting} as its last one is copied. */
    private long[] appendBatch(final int count, final Runnable whileWriting)
    {
        final long[] positions = new long[count];
        appender.appendBatch(new HeldBatch(count, whileWriting), positions, claim);
        for (int i = 0; i < count; i++)
        {
            positions[i] -= BASE;
        }
        return positions;
    }

    private long tell(final CommittedPrefix prefix, final long from, final long offset)
    {
        return prefix.tell(segment, from, offset, offset + RECORD);
    }

    @Test
    void shouldTellTheRecordsOfCommittedBatchesAndThenAnswerFromWhatItWalked()
    {
        appender.append(new byte[3], new byte[50]);
        final long[] first = appendBatch(3, () -> { });
        appender.append(new byte[3], new byte[50]);
        final long[] second = appendBatch(2, () -> { });
        final CommittedPrefix prefix = new CommittedPrefix();
        for (final long offset : second)
        {
            assertEquals(offset, tell(prefix, 0, offset));
        }
        for (final long offset : first)
        {
            assertEquals(offset, tell(prefix, 0, offset));
        }
        // The first batch's header as it was before its commit: what was walked is not walked again.
        segment.data().set(FrameDescriptor.INT, first[0] - RECORD, -4 * RECORD);
        assertEquals(first[1], tell(prefix, 0, first[1]), "told from what was walked");
        assertEquals(-1 - (first[0] - RECORD), tell(new CommittedPrefix(), 0, first[1]), "a new walk waits there");
    }

    @Test
    void shouldWaitWhileTheBatchIsWrittenAndTellItsRecordsOnceItCommits()
    {
        appender.append(new byte[3], new byte[50]);
        final long slow = appender.tryClaim(3, 50, claim) - BASE;          // a claim in progress before the batch
        final FrameClaim batchClaim = new FrameClaim();
        final CommittedPrefix prefix = new CommittedPrefix();
        final long header = slow + 72;
        final long[] resume = new long[1];
        final long[] records = new long[3];
        appender.appendBatch(new HeldBatch(3, () ->
        {
            final long found = tell(prefix, 0, header + RECORD);
            assertEquals(-1 - header, found, "its batch is not committed: cannot tell yet");
            resume[0] = -1 - found;
            assertEquals(found, tell(prefix, resume[0], header + 2 * RECORD), "nor for its next record");
        }), records, batchClaim);
        assertEquals(header + RECORD, records[0] - BASE);
        assertEquals(header + RECORD, tell(prefix, resume[0], header + RECORD), "past the claim still in progress");
        assertEquals(header + 2 * RECORD, tell(prefix, 0, header + 2 * RECORD));
        claim.commit();
        assertEquals(header + 3 * RECORD, tell(new CommittedPrefix(), 0, header + 3 * RECORD));
    }

    @Test
    void shouldRefuseTheRecordsOfABatchWhoseFillFailed()
    {
        appender.append(new byte[3], new byte[50]);
        final CommittedPrefix prefix = new CommittedPrefix();
        final long header = 72;
        assertThrows(IllegalArgumentException.class, () -> appendBatch(3, () ->
        {
            assertEquals(-1 - header, tell(prefix, 0, header + RECORD));
            throw new IllegalStateException("the source of the last record is gone");
        }));
        assertEquals(header, tell(prefix, 0, header + RECORD), "inside the padding over the batch");
        assertEquals(header, tell(prefix, 0, header + 2 * RECORD));
        appender.append(new byte[3], new byte[50]);
        final long[] later = appendBatch(2, () -> { });
        assertEquals(later[1], tell(prefix, 0, later[1]), "a later batch's record is one");
        assertEquals(header, tell(prefix, 0, header + RECORD), "the padding is remembered");
    }

    @Test
    void shouldRefuseTheRecordsOfABatchThatRecoverySetAside()
    {
        appender.append(new byte[3], new byte[50]);
        final long[] dead = appendBatch(3, () -> { });
        final long header = dead[0] - RECORD;
        segment.data().set(FrameDescriptor.INT, header, -4 * RECORD);     // its writer died before the commit
        appender.append(new byte[3], new byte[50]);
        assertEquals(-1 - header, tell(new CommittedPrefix(), 0, dead[1]), "a claim in progress: cannot tell yet");

        final SegmentScanner.Result repaired = SegmentScanner.scan(segment, 0, true, false, SegmentScanner.Mode.REPAIR);
        assertEquals(SegmentScanner.Kind.DEAD_CLAIM, repaired.findings().getFirst().kind());
        final CommittedPrefix prefix = new CommittedPrefix();
        for (final long offset : dead)
        {
            assertEquals(header, tell(prefix, 0, offset), "set aside with the bytes it kept");
        }
    }

    /** {@code count} records of a 1-byte key and a 1-byte value; {@code whileWriting} runs as the last is copied. */
    private record HeldBatch(int count, Runnable whileWriting) implements BatchSource
    {
        @Override
        public int size()
        {
            return count;
        }

        @Override
        public int keyLength(final int index)
        {
            return 1;
        }

        @Override
        public int valueLength(final int index)
        {
            return 1;
        }

        @Override
        public void copyKey(final int index, final MemorySegment destination, final long offset)
        {
            destination.set(ValueLayout.JAVA_BYTE, offset, (byte)index);
        }

        @Override
        public void copyValue(final int index, final MemorySegment destination, final long offset)
        {
            if (index == count - 1)
            {
                whileWriting.run();
            }
            destination.set(ValueLayout.JAVA_BYTE, offset, (byte)index);
        }
    }
}
