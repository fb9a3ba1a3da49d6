package io.shardwal.mmap;

import java.lang.foreign.ValueLayout;

/**
 * Which segment of a shard is the newest holding data, and how to walk it: one rule for recovery and verification,
 * so that what {@code verify} lists is what an open repairs.
 *
 * <p>The tail counter lives on the header page, which may be older than the data on disk after an operating-system
 * crash, or damaged, as it sits outside the header's checksum. So a segment also holds data when its first frame word
 * is non-zero (frames start at offset 0), or when the segment before it carries the roll mark naming it: the writer
 * moved into it. Stateless.
 */
public final class NewestSegment
{
    private NewestSegment()
    {
    }

    /**
     * Whether {@code segment} holds data: claims by its tail counter, a non-zero first frame word, or the writer
     * having rolled into it ({@code previousMark}, the rolled-into mark of the segment before it, names its base; 0
     * for none). After an operating-system crash ({@code wholeRemainder}) also any frame or damage a walk of the whole
     * segment finds.
     */
    public static boolean holdsData(final MappedSegment segment, final long previousMark, final boolean wholeRemainder)
    {
        if (segment.tailAcquire() > 0 || segment.data().get(ValueLayout.JAVA_LONG, 0) != 0
            || previousMark != 0 && previousMark == segment.basePosition())
        {
            return true;
        }
        if (!wholeRemainder)
        {
            return false;
        }
        final SegmentScanner.Result probe = SegmentScanner.scan(segment, 0, true, true, SegmentScanner.Mode.VERIFY);
        return probe.validEnd() > 0 || !probe.findings().isEmpty();
    }

    /**
     * The {@code wholeRemainder} to {@link SegmentScanner#scan} the newest segment holding data with: after an
     * operating-system crash, or when the writer rolled into it ({@code previousMark}, as for {@link #holdsData}) and
     * its tail counter is gone, so that its data may lie anywhere.
     */
    public static boolean readWhole(final MappedSegment segment, final long previousMark, final boolean wholeRemainder)
    {
        return wholeRemainder || segment.tailAcquire() == 0 && previousMark != 0
            && previousMark == segment.basePosition();
    }
}
