package io.shardwal.mmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentScannerTest
{
    private static final int CAPACITY = 16 * 1024;
    private static final long BASE = 1L << 20;

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

    /** Appends {@code count} records with distinct contents; returns their positions. */
    private List<Long> appendRecords(final int count, final int first)
    {
        final List<Long> positions = new ArrayList<>();
        for (int i = first; i < first + count; i++)
        {
            positions.add(appender.append(("key-" + i).getBytes(), ("value number " + i + " " + "x".repeat(i % 40))
                .getBytes()));
        }
        return positions;
    }

    private static List<Long> positions(final List<Collected.Frame> frames)
    {
        return frames.stream().map(Collected.Frame::position).toList();
    }

    private SegmentScanner.Result repair(final boolean last)
    {
        return SegmentScanner.scan(segment, 0, last, false, SegmentScanner.Mode.REPAIR);
    }

    @Test
    void shouldFindNothingToRepairInACleanSegment()
    {
        final List<Long> written = appendRecords(20, 0);
        final long tail = segment.tailAcquire();
        final SegmentScanner.Result result = repair(true);
        assertEquals(List.of(), result.findings());
        assertEquals(tail, result.validEnd());
        assertEquals(20, result.records());
        assertFalse(result.complete());
        assertEquals(written, positions(Collected.readAll(segment)));
    }

    @Test
    void shouldTellFrameBoundariesFromOffsetsInsideFramesAcrossClaimsAndBatches()
    {
        final List<Long> records = appendRecords(2, 0);
        final long claimed = appender.tryClaim(2, 40, claim) - BASE;    // in progress: length -54, 56 bytes
        final long[] batch = new long[2];
        appender.appendBatch(new SegmentAppenderTest.TestBatch(List.of(new byte[1], new byte[2]),
            List.of(new byte[3], new byte[4])), batch, claim);
        final long tail = segment.tailAcquire();

        for (final long record : records)
        {
            assertEquals(record - BASE, SegmentScanner.frameBoundary(segment, 0, record - BASE));
        }
        assertEquals(claimed, SegmentScanner.frameBoundary(segment, 0, claimed), "a claim in progress starts a frame");
        assertEquals(claimed, SegmentScanner.frameBoundary(segment, 0, claimed + 16), "inside it");
        assertEquals(records.get(1) - BASE, SegmentScanner.frameBoundary(segment, 0, records.get(1) - BASE + 8));
        assertEquals(batch[1] - BASE, SegmentScanner.frameBoundary(segment, 0, batch[1] - BASE), "a batch's record");
        assertEquals(batch[0] - BASE, SegmentScanner.frameBoundary(segment, records.get(1) - BASE,
            batch[0] - BASE + 8), "inside a batch's record, walking from a later boundary");
        assertEquals(tail, SegmentScanner.frameBoundary(segment, 0, tail), "the tail is where the next frame goes");
        assertEquals(-1 - tail, SegmentScanner.frameBoundary(segment, 0, tail + 64), "past the tail: not known yet");
    }

    @Test
    void shouldStopTheCommittedFrontierAtTheFirstUncommittedFrameAndCountABatchAsOne()
    {
        appendRecords(3, 0);
        final long afterThree = segment.tailAcquire();
        appender.tryClaim(2, 10, claim);
        appendRecords(2, 3);
        assertEquals(afterThree, SegmentScanner.committedFrontier(segment, 0));
        claim.putKey(new byte[2]);
        claim.commit();
        assertEquals(segment.tailAcquire(), SegmentScanner.committedFrontier(segment, 0));
        appender.appendBatch(new SegmentAppenderTest.TestBatch(List.of(new byte[1], new byte[2]),
            List.of(new byte[3], new byte[4])), new long[2], claim);
        assertEquals(segment.tailAcquire(), SegmentScanner.committedFrontier(segment, afterThree));
    }

    @Test
    void shouldSetAsideADeadClaimBetweenCommittedFrames()
    {
        final List<Long> before = appendRecords(5, 0);
        final long dead = appender.tryClaim(3, 50, claim);
        claim.putKey(new byte[] {1, 2, 3});
        final List<Long> after = appendRecords(5, 10);
        // the writer of the claim "dies": it never commits

        final SegmentScanner.Result result = repair(true);
        assertEquals(1, result.findings().size());
        final SegmentScanner.Finding finding = result.findings().getFirst();
        assertEquals(SegmentScanner.Kind.DEAD_CLAIM, finding.kind());
        assertEquals(dead, finding.position());
        assertEquals(72, finding.length());
        final List<Long> expected = new ArrayList<>(before);
        expected.addAll(after);
        assertEquals(expected, positions(Collected.readAll(segment)), "readers now pass the dead claim");
        assertEquals(FrameDescriptor.FLAG_SET_ASIDE,
            segment.data().get(ValueLayout.JAVA_BYTE, dead - BASE + FrameDescriptor.FLAGS_OFFSET));
        assertEquals(List.of(), repair(true).findings(), "a repaired segment is clean");
    }

    @Test
    void shouldSetAsideAZeroGapLeftByAWriterThatDiedRightAfterItsClaim()
    {
        final List<Long> before = appendRecords(4, 0);
        final long gap = BASE + segment.getAndAddTail(64);
        final List<Long> after = appendRecords(4, 10);

        final SegmentScanner.Result verify = SegmentScanner.scan(segment, 0, true, false, SegmentScanner.Mode.VERIFY);
        assertEquals(1, verify.findings().size());
        assertEquals(SegmentScanner.Kind.ZERO_GAP, verify.findings().getFirst().kind());
        assertEquals(gap, verify.findings().getFirst().position());
        assertEquals(64, verify.findings().getFirst().length());
        assertEquals(before, positions(Collected.readAll(segment)), "VERIFY changed nothing: readers still stop");

        repair(true);
        final List<Long> expected = new ArrayList<>(before);
        expected.addAll(after);
        assertEquals(expected, positions(Collected.readAll(segment)));
    }

    /** A writer stores its header word before it marks its claim: dying between the two leaves the word alone. */
    @Test
    void shouldSetAsideAClaimWhoseWriterDiedBetweenItsHeaderWordAndItsLength()
    {
        final List<Long> before = appendRecords(4, 0);
        final long gap = segment.getAndAddTail(64);
        segment.data().set(FrameDescriptor.INT, gap + FrameDescriptor.TYPE_OFFSET,
            FrameDescriptor.headerWord(FrameDescriptor.TYPE_DATA, 3));
        final List<Long> after = appendRecords(4, 10);

        final SegmentScanner.Result verify = SegmentScanner.scan(segment, 0, true, false, SegmentScanner.Mode.VERIFY);
        assertEquals(1, verify.findings().size(), verify.findings().toString());
        final SegmentScanner.Finding finding = verify.findings().getFirst();
        assertEquals(SegmentScanner.Kind.ZERO_GAP, finding.kind());
        assertEquals(BASE + gap, finding.position());
        assertEquals(64, finding.length());
        assertTrue(finding.detail().startsWith("a frame's header word without its length"), finding.detail());

        repair(true);
        final List<Long> expected = new ArrayList<>(before);
        expected.addAll(after);
        assertEquals(expected, positions(Collected.readAll(segment)));

        final long tail = segment.getAndAddTail(32); // the same at the tail: cut, and the next append takes its place
        segment.data().set(FrameDescriptor.INT, tail + FrameDescriptor.TYPE_OFFSET,
            FrameDescriptor.headerWord(FrameDescriptor.TYPE_DATA, 0));
        final SegmentScanner.Result cut = repair(true);
        assertEquals(SegmentScanner.Kind.TORN_TAIL, cut.findings().getLast().kind(), cut.findings().toString());
        assertEquals(tail, cut.validEnd());
        final long next = appender.append("k".getBytes(), "after recovery".getBytes());
        expected.add(next);
        assertEquals(expected, positions(Collected.readAll(segment)));
    }

    @Test
    void shouldNotTakeANegativeWordAfterLostZerosForAClaimThatCoversLaterFrames()
    {
        // An OS crash lost the page holding the start of a frame whose value continues on the next page, which
        // survived with a later, acknowledged frame. The first non-zero word after the zeros lies inside the
        // value and happens to be negative: it is not a claim, and what follows must survive.
        final byte[] value = new byte[300];
        appender.append(new byte[0], new byte[4000 - FrameDescriptor.HEADER_LENGTH]);
        final long torn = appender.append(new byte[0], value) - BASE;
        final long pageEnd = 4096;
        final long valueStart = torn + FrameDescriptor.HEADER_LENGTH;
        segment.data().set(ValueLayout.JAVA_INT_UNALIGNED, valueStart + (pageEnd - valueStart), -400);
        final long survivor = appender.append(new byte[] {'F'}, new byte[] {1, 2, 3}); // wrote after the -400
        segment.data().asSlice(torn, pageEnd - torn).fill((byte)0); // the lost page's part of the torn frame

        final SegmentScanner.Result result = SegmentScanner.scan(segment, 0, true, true, SegmentScanner.Mode.REPAIR);
        assertTrue(result.findings().stream().noneMatch(f -> f.kind() == SegmentScanner.Kind.DEAD_CLAIM),
            result.findings().toString());
        final List<Long> read = positions(Collected.readAll(segment));
        assertEquals(List.of(BASE, survivor), read, "the acknowledged frame after the lost page survives");
    }

    @Test
    void shouldNotPadFindingsAfterTheLastValidFrameBeforeTheTailIsDecided()
    {
        // A live reader in another process could follow a PAD written into a tail that is then cut and zeroed, and
        // end up past the position where the writer resumes: findings are padded only once a valid frame follows.
        appendRecords(3, 0);
        final long gap = segment.getAndAddTail(64);
        final long dead = appender.tryClaim(3, 50, claim) - BASE;
        claim.putKey(new byte[] {1, 2, 3});
        assertEquals(gap + 64, dead);

        final SegmentScanner.Result result = SegmentScanner.scan(segment, 0, false, false, SegmentScanner.Mode.REPAIR);
        assertEquals(List.of(SegmentScanner.Kind.TORN_TAIL), result.findings().stream().map(f -> f.kind()).toList());
        assertEquals(gap, result.validEnd());
        assertTrue(segment.data().get(ValueLayout.JAVA_INT, dead) < 0,
            "the abandoned claim inside the set-aside rest was not padded on its own");
        assertEquals(List.of(), SegmentScanner.scan(segment, 0, false, false, SegmentScanner.Mode.VERIFY).findings(),
            "the rest of the segment is one PAD");
    }

    @Test
    void shouldCutAClaimThatWasNeverWrittenAtTheTail()
    {
        final List<Long> written = appendRecords(4, 0);
        final long validEnd = segment.tailAcquire();
        segment.getAndAddTail(128);
        final SegmentScanner.Result result = repair(true);
        assertEquals(1, result.findings().size());
        assertEquals(SegmentScanner.Kind.TORN_TAIL, result.findings().getFirst().kind());
        assertEquals(validEnd, result.validEnd());
        assertEquals(validEnd, segment.tailAcquire(), "the tail counter is reset to the last valid frame");
        final long next = appender.append("k".getBytes(), "after recovery".getBytes());
        assertEquals(BASE + validEnd, next);
        final List<Long> expected = new ArrayList<>(written);
        expected.add(next);
        assertEquals(expected, positions(Collected.readAll(segment)));
    }

    @Test
    void shouldCutATornTailAtEveryByteOfTheLastFrameAndKeepEverythingBefore()
    {
        final List<Long> kept = appendRecords(6, 0);
        final long start = segment.tailAcquire();
        final long last = appender.append("last-key".getBytes(), "the frame that is torn by a crash".getBytes());
        final long end = segment.tailAcquire();
        final MemorySegment data = segment.data();
        final byte[] original = data.asSlice(start, end - start).toArray(ValueLayout.JAVA_BYTE);
        final int frameLength = data.get(FrameDescriptor.INT, start);
        assertTrue(frameLength < original.length, "the frame ends in alignment padding");
        for (int cut = 0; cut <= original.length; cut++)
        {
            MemorySegment.copy(original, 0, data, ValueLayout.JAVA_BYTE, start, original.length);
            data.asSlice(start + cut, original.length - cut).fill((byte)0);
            segment.setTailVolatile(end);

            final SegmentScanner.Result result = repair(true);
            final List<Collected.Frame> frames = Collected.readAll(segment);
            if (cut >= frameLength)
            {
                // every byte of the frame survived (only alignment padding was cut)
                final List<Long> expected = new ArrayList<>(kept);
                expected.add(last);
                assertEquals(expected, positions(frames), "cut at " + cut);
                assertEquals(List.of(), result.findings(), "cut at " + cut);
            }
            else
            {
                assertEquals(kept, positions(frames), "cut at " + cut);
                assertEquals(start, result.validEnd(), "cut at " + cut);
                assertEquals(1, result.findings().size(), "cut at " + cut + ": " + result.findings());
                assertEquals(SegmentScanner.Kind.TORN_TAIL, result.findings().getFirst().kind());
                assertEquals(BASE + start, result.findings().getFirst().position());
                for (long at = start; at < end; at += 8)
                {
                    assertEquals(0, data.get(ValueLayout.JAVA_LONG, at), "torn bytes are zeroed (cut " + cut + ")");
                }
            }
        }
    }

    @Test
    void shouldDetectEveryHeaderBitFlipAndNeverDeliverTheDamagedFrame()
    {
        final List<Long> before = appendRecords(3, 0);
        final long victimOffset = segment.tailAcquire();
        final long victim = appender.append("victim".getBytes(), "payload of the victim frame".getBytes());
        final List<Long> after = appendRecords(3, 20);
        final long end = segment.tailAcquire();
        final MemorySegment data = segment.data();
        final byte[] pristine = data.asSlice(0, end).toArray(ValueLayout.JAVA_BYTE);
        final List<Long> survivors = new ArrayList<>(before);
        survivors.addAll(after);
        final int headerAndSome = FrameDescriptor.HEADER_LENGTH + 6 + 8;
        for (int bit = 0; bit < headerAndSome * 8; bit++)
        {
            MemorySegment.copy(pristine, 0, data, ValueLayout.JAVA_BYTE, 0, pristine.length);
            segment.setTailVolatile(end);
            final long at = victimOffset + bit / 8;
            data.set(ValueLayout.JAVA_BYTE, at, (byte)(data.get(ValueLayout.JAVA_BYTE, at) ^ (1 << (bit % 8))));

            final Collected live = new Collected();
            try
            {
                new FrameReader(segment, 0, true).poll(live, 100);
            }
            catch (final ShardwalException corrupt)
            {
                assertEquals(ShardwalException.Category.CORRUPT, corrupt.category());
                assertEquals(SegmentDescriptor.DATA_OFFSET + victimOffset, corrupt.offset());
            }
            assertEquals(before, positions(live.frames),
                "bit " + bit + ": a reader stops at the damaged frame (CORRUPT, or an unfinished claim if the "
                    + "sign bit flipped) and never delivers it");

            final SegmentScanner.Result result = repair(true);
            assertEquals(1, result.findings().size(), "bit " + bit + ": " + result.findings());
            assertEquals(victim, result.findings().getFirst().position(), "bit " + bit);
            final List<Collected.Frame> frames = Collected.readAll(segment);
            assertEquals(survivors, positions(frames), "bit " + bit + ": the frames around the victim survive");
        }
    }

    @Test
    void shouldDropABatchWholeWhenOneOfItsRecordsIsDamaged()
    {
        final List<Long> before = appendRecords(2, 0);
        final long[] inner = new long[3];
        final long batch = appender.appendBatch(new SegmentAppenderTest.TestBatch(
            List.of("a".getBytes(), "b".getBytes(), "c".getBytes()),
            List.of("one".getBytes(), "two".getBytes(), "three".getBytes())), inner, claim);
        final List<Long> after = appendRecords(2, 5);
        final long secondValue = inner[1] - BASE + FrameDescriptor.HEADER_LENGTH + 1;
        segment.data().set(ValueLayout.JAVA_BYTE, secondValue, (byte)'X');

        final SegmentScanner.Result result = repair(true);
        assertEquals(1, result.findings().size());
        assertEquals(SegmentScanner.Kind.TORN_BATCH, result.findings().getFirst().kind());
        assertEquals(batch, result.findings().getFirst().position());
        final List<Long> expected = new ArrayList<>(before);
        expected.addAll(after);
        assertEquals(expected, positions(Collected.readAll(segment)));
    }

    @Test
    void shouldNotReadPastTheSegmentWhenADamagedBatchRunsOverItsEnd()
    {
        final long[] inner = new long[2];
        final long batch = appender.appendBatch(new SegmentAppenderTest.TestBatch(
            List.of("a".getBytes(), "b".getBytes()), List.of("one".getBytes(), "two".getBytes())), inner, claim);
        // Lengths as damage leaves them: the batch runs past the segment's end, its first record ends exactly there
        segment.data().set(FrameDescriptor.INT, batch - BASE, Integer.MAX_VALUE - 7);
        segment.data().set(FrameDescriptor.INT, inner[0] - BASE, (int)(CAPACITY - (inner[0] - BASE)));

        final SegmentScanner.Progress progress = new SegmentScanner.Progress();
        SegmentScanner.advanceCommitted(segment, progress);
        assertEquals(CAPACITY, progress.offset, "the frontier walk trusts committed lengths; readers check them");
        assertEquals(1, progress.records);
        assertEquals(1, SegmentScanner.scan(segment, 0, true, false, SegmentScanner.Mode.VERIFY).findings().size());
    }

    @Test
    void shouldNotLetBatchRecordsSurviveTheirLostBatchHeader()
    {
        final List<Long> before = appendRecords(2, 0);
        final long[] inner = new long[2];
        final long batch = appender.appendBatch(new SegmentAppenderTest.TestBatch(
            List.of("a".getBytes(), "b".getBytes()), List.of("one".getBytes(), "two".getBytes())), inner, claim);
        final List<Long> after = appendRecords(2, 5);
        segment.data().asSlice(batch - BASE, FrameDescriptor.BATCH_HEADER_LENGTH).fill((byte)0);

        final SegmentScanner.Result result = repair(true);
        final List<Long> expected = new ArrayList<>(before);
        expected.addAll(after);
        assertEquals(expected, positions(Collected.readAll(segment)), "no record of the headless batch survives");
        assertTrue(result.findings().stream().anyMatch(f -> f.kind() == SegmentScanner.Kind.TORN_BATCH),
            result.findings().toString());
    }

    @Test
    void shouldSetAsideTheUnfinishedEndOfAnEarlierSegmentSoReadersMoveOn()
    {
        final List<Long> written = appendRecords(3, 0);
        final long end = segment.tailAcquire();
        segment.getAndAddTail(CAPACITY);
        final SegmentScanner.Result result = repair(false);
        assertTrue(result.complete());
        assertEquals(1, result.findings().size());
        assertEquals(SegmentScanner.Kind.TORN_TAIL, result.findings().getFirst().kind());
        assertEquals(CAPACITY - end, result.findings().getFirst().length());
        final FrameReader reader = new FrameReader(segment, 0, true);
        final Collected collected = new Collected();
        reader.poll(collected, 100);
        assertEquals(written, positions(collected.frames));
        assertTrue(reader.isEndOfSegment());
    }

    @Test
    void shouldKeepValidFramesBeyondAStaleTailWhenScanningTheWholeRemainder()
    {
        final List<Long> written = appendRecords(5, 0);
        final long end = segment.tailAcquire();
        segment.setTailVolatile(end / 2);
        final SegmentScanner.Result result = SegmentScanner.scan(segment, 0, true, true, SegmentScanner.Mode.REPAIR);
        assertEquals(List.of(), result.findings());
        assertEquals(end, result.validEnd());
        assertEquals(end, segment.tailAcquire());
        assertEquals(written, positions(Collected.readAll(segment)));
    }

    @Test
    void shouldLookPastAZeroedFirstFrameWhenTheTailCounterIsZero()
    {
        final List<Long> written = appendRecords(5, 0);
        final long end = segment.tailAcquire();
        segment.setTailVolatile(0); // the header lost it
        segment.data().asSlice(0, 16).fill((byte)0); // and the first frame its header
        final SegmentScanner.Result result = repair(true);
        assertFalse(result.findings().isEmpty(), "the lost frame is reported, not taken for a fresh segment");
        assertEquals(BASE, result.findings().getFirst().position());
        assertEquals(written.get(1) - BASE,
            result.findings().stream().mapToLong(SegmentScanner.Finding::length).sum(), "set aside: the first frame");
        assertEquals(end, result.validEnd());
        assertEquals(end, segment.tailAcquire());
        assertEquals(written.subList(1, 5), positions(Collected.readAll(segment)));
    }

    @Test
    void shouldRefuseToRepairAReadOnlySegmentOrToStartOffAFrameBoundary() throws IOException
    {
        appendRecords(1, 0);
        try (MappedSegment readOnly = MappedSegment.openReadOnly(segment.file()))
        {
            assertThrows(IllegalArgumentException.class,
                () -> SegmentScanner.scan(readOnly, 0, true, false, SegmentScanner.Mode.REPAIR));
            assertEquals(List.of(),
                SegmentScanner.scan(readOnly, 0, true, false, SegmentScanner.Mode.VERIFY).findings());
        }
        assertThrows(IllegalArgumentException.class,
            () -> SegmentScanner.scan(segment, 4, true, false, SegmentScanner.Mode.VERIFY));
    }
}
