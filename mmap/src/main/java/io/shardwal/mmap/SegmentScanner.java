package io.shardwal.mmap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks the frames of one segment to find the committed frontier, to verify a segment without changing it, or to
 * recover it after a crash. Recovery and verification share one walk, so what {@code verify} reports is exactly
 * what recovery would repair.
 *
 * <p>What the walk recognises, from a frame boundary onwards:
 * <ul>
 *   <li>a committed frame with a valid layout and checksum (a BATCH only if every inner frame is valid): kept;</li>
 *   <li>a negative length: a {@link Kind#DEAD_CLAIM} — a writer died between claim and commit — set aside;</li>
 *   <li>zeros followed by a frame below the scan limit, or a header word alone: a {@link Kind#ZERO_GAP} — a writer
 *       died right after its claim, or after its header word — set aside up to the next frame;</li>
 *   <li>a batch whose header validates but an inner frame does not: {@link Kind#TORN_BATCH} — set aside whole,
 *       so a batch never survives in part;</li>
 *   <li>a frame whose checksum fails ({@link Kind#CHECKSUM_MISMATCH}), an impossible length, type or flags
 *       ({@link Kind#BAD_FRAME}), or a batch record without its batch header ({@link Kind#TORN_BATCH}): set aside
 *       up to the next frame that validates, found by scanning 8-byte boundaries — the damaged frame's own length
 *       is not trusted;</li>
 *   <li>whatever follows the last valid frame: in the last segment a {@link Kind#TORN_TAIL}, cut off and zeroed;
 *       in an earlier segment set aside to the end, so readers can move on to the next segment.</li>
 * </ul>
 * "Set aside" means: a PAD frame with {@link FrameDescriptor#FLAG_SET_ASIDE} is written over the bytes, which
 * stay as they were for inspection; readers skip it. Nothing is ever delivered from set-aside bytes.
 *
 * <p><b>Threads.</b> {@link #committedFrontier} may run while writers append. {@link Mode#REPAIR} must only run
 * while no writer appends to the segment; {@link Mode#VERIFY} changes nothing and may run anywhere (findings
 * close to a live writer's tail may be claims in progress).
 */
public final class SegmentScanner
{
    /** Bytes at the start of a segment probed for data when its tail counter is 0 (see {@link #scan}). */
    public static final int PROBE_BYTES = 64 * 1024;

    /** What to do with the findings. */
    public enum Mode
    {
        /** Report only; the segment is not changed (read-only mappings are fine). */
        VERIFY,
        /** Set aside or cut what is damaged, zero what follows the last valid frame, and reset the tail. */
        REPAIR
    }

    /** The kinds of damage the walk recognises. */
    public enum Kind
    {
        DEAD_CLAIM, ZERO_GAP, CHECKSUM_MISMATCH, BAD_FRAME, TORN_BATCH, TORN_TAIL
    }

    /** One finding: {@code length} bytes at {@code position}, and what was (or would be) done about them. */
    public record Finding(long position, long length, Kind kind, String detail)
    {
        @Override
        public String toString()
        {
            return kind + " at position " + position + " (" + length + " bytes): " + detail;
        }
    }

    /**
     * The outcome of a walk.
     *
     * @param validEnd   offset just past the last valid frame: the tail after a repair of the last segment.
     * @param records    DATA frames found valid (records inside batches included).
     * @param complete   true if valid frames (and set-aside bytes) fill the segment to its end.
     * @param findings   what was found, in position order.
     */
    public record Result(long validEnd, long records, boolean complete, List<Finding> findings)
    {
    }

    private final MappedSegment segment;
    private final MemorySegment data;
    private final long capacity;
    private final long base;
    private final Mode mode;
    private final Checksummer checksummer = new Checksummer();
    private final List<Finding> findings = new ArrayList<>();
    /**
     * Findings past the last valid frame: they become one torn tail if nothing valid follows. They are padded only
     * once a valid frame follows them ({@link #confirmTentative}): a PAD written into what then turns out to be a
     * torn tail, cut and zeroed, could lead a live reader past the position where the writer resumes.
     */
    private int tentativeFrom;
    private long records;

    private SegmentScanner(final MappedSegment segment, final Mode mode)
    {
        this.segment = segment;
        this.data = segment.data();
        this.capacity = segment.capacity();
        this.base = segment.basePosition();
        this.mode = mode;
    }

    /**
     * The offset of the first frame at or after {@code fromOffset} (a frame boundary) that is not committed; a
     * committed BATCH counts as one frame. Read-only and safe while writers append.
     */
    public static long committedFrontier(final MappedSegment segment, final long fromOffset)
    {
        final Progress progress = new Progress();
        progress.offset = fromOffset;
        advanceCommitted(segment, progress);
        return progress.offset;
    }

    /** A committed-frontier walk's state: where it is, and what it passed. Reusable; not thread-safe. */
    public static final class Progress
    {
        /** Offset in the segment of the first frame not known to be committed. */
        public long offset;
        /** DATA records passed so far (records inside batches included). */
        public long records;
        /** Key and value bytes of those records. */
        public long payloadBytes;
    }

    /**
     * Moves {@code progress.offset} over every committed frame from there on, adding the DATA records and payload
     * bytes it passes. Stops at the first uncommitted frame or at the segment's end (then
     * {@code capacity - offset < MIN_FRAME_LENGTH}). Read-only and safe while writers append.
     */
    public static void advanceCommitted(final MappedSegment segment, final Progress progress)
    {
        advanceCommitted(segment, progress, segment.capacity());
    }

    /**
     * {@link #advanceCommitted(MappedSegment, Progress)} that passes no frame starting at or after {@code limit}: a
     * writer's claimed end, past which nothing is committed, whatever damaged bytes there say.
     */
    public static void advanceCommitted(final MappedSegment segment, final Progress progress, final long limit)
    {
        final MemorySegment data = segment.data();
        final long capacity = segment.capacity();
        long offset = progress.offset;
        try
        {
            while (capacity - offset >= FrameDescriptor.MIN_FRAME_LENGTH && offset < limit)
            {
                // Acquire load of the commit word; pairs with the writer's release store.
                final int length = (int)FrameDescriptor.LENGTH.getAcquire(data, offset);
                if (length <= 0)
                {
                    break;
                }
                final int word = data.get(FrameDescriptor.INT, offset + FrameDescriptor.TYPE_OFFSET);
                final byte type = FrameDescriptor.typeOf(word);
                if (type == FrameDescriptor.TYPE_DATA)
                {
                    progress.records++;
                    progress.payloadBytes += length - FrameDescriptor.HEADER_LENGTH;
                }
                else if (type == FrameDescriptor.TYPE_BATCH)
                {
                    countBatch(data, offset, length, progress);
                }
                offset += FrameDescriptor.align(length);
            }
            progress.offset = Math.min(offset, capacity);
        }
        catch (final IllegalStateException e)
        {
            throw segment.closedOr(e);
        }
        catch (final InternalError e)
        {
            throw segment.truncated(e);
        }
    }

    /**
     * Whether {@code target} is a frame boundary, found by walking the frames from {@code fromOffset} (a known
     * boundary, e.g. 0): committed frames are stepped over (into a committed BATCH, whose records are frames of
     * their own), and so are DATA claims in progress, by the length their negative commit word announces. Read-only
     * and safe while writers append.
     *
     * @return {@code target} if it is a frame boundary (or lies in the few bytes after the segment's last frame,
     *         which readers take for its end); the start of the frame that contains it (below {@code target}) if it
     *         is not; or {@code -1 - offset} if the walk met, at {@code offset} before {@code target}, a word no
     *         writer has claimed yet or a BATCH (or untyped) claim in progress: then it cannot be told yet, and a
     *         later call may go on from {@code offset}.
     */
    public static long frameBoundary(final MappedSegment segment, final long fromOffset, final long target)
    {
        final MemorySegment data = segment.data();
        final long capacity = segment.capacity();
        long offset = fromOffset;
        try
        {
            while (offset < target && capacity - offset >= FrameDescriptor.MIN_FRAME_LENGTH)
            {
                // Acquire load of the commit word; pairs with the writer's release stores of -length and +length.
                final int length = (int)FrameDescriptor.LENGTH.getAcquire(data, offset);
                final byte type = length == 0 ? 0
                    : FrameDescriptor.typeOf(data.get(FrameDescriptor.INT, offset + FrameDescriptor.TYPE_OFFSET));
                if (length == 0 || length < 0 && type != FrameDescriptor.TYPE_DATA)
                {
                    // Not claimed yet, or a claim not known to be one record: a BATCH, whose records (frames of their
                    // own once it commits) a later poll can step into, or a claim being padded over.
                    return -1 - offset;
                }
                final long step = type == FrameDescriptor.TYPE_BATCH ? FrameDescriptor.BATCH_HEADER_LENGTH
                    : FrameDescriptor.align(Math.abs((long)length));
                if (offset + step > target)
                {
                    return offset;
                }
                offset += step;
            }
            return target; // reached, or in the last bytes after the last frame, which read as the segment's end
        }
        catch (final IllegalStateException e)
        {
            throw segment.closedOr(e);
        }
        catch (final InternalError e)
        {
            throw segment.truncated(e);
        }
    }

    /**
     * Counts the records of the committed BATCH at {@code offset}. Its length and its records' lengths are not
     * checked here (readers check every frame), so a damaged one is only counted within the segment: the walk stops
     * at an inner length that runs past the batch or the batch that runs past the segment's end.
     */
    private static void countBatch(final MemorySegment data, final long offset, final int length,
        final Progress progress)
    {
        final long end = Math.min(offset + length, data.byteSize());
        for (long at = offset + FrameDescriptor.BATCH_HEADER_LENGTH; end - at >= FrameDescriptor.HEADER_LENGTH; )
        {
            final int inner = data.get(FrameDescriptor.INT, at);
            if (inner < FrameDescriptor.HEADER_LENGTH || inner > end - at)
            {
                return;
            }
            progress.records++;
            progress.payloadBytes += inner - FrameDescriptor.HEADER_LENGTH;
            at += FrameDescriptor.align(inner);
        }
    }

    /**
     * Walks {@code segment} from {@code fromOffset} (a frame boundary known to be valid, e.g. 0 or a checkpointed
     * position).
     *
     * @param lastSegment    whether this is the newest segment with data (its damaged end is cut, not set aside).
     * @param wholeRemainder whether data may lie beyond the persisted tail counter (after an operating-system crash
     *                       the header page may be older than the data pages): scan to the capacity, not the tail.
     *                       A tail counter of 0 is scanned past when the segment holds bytes near its start.
     */
    public static Result scan(final MappedSegment segment, final long fromOffset, final boolean lastSegment,
        final boolean wholeRemainder, final Mode mode)
    {
        if (mode == Mode.REPAIR && segment.isReadOnly())
        {
            throw new IllegalArgumentException("cannot repair read-only segment " + segment.file());
        }
        if (fromOffset < 0 || fromOffset > segment.capacity() || (fromOffset & (FrameDescriptor.ALIGNMENT - 1)) != 0)
        {
            throw new IllegalArgumentException("scan start " + fromOffset + " is not a frame boundary of "
                + segment.file());
        }
        try
        {
            return new SegmentScanner(segment, mode).walk(fromOffset, lastSegment, wholeRemainder);
        }
        catch (final IllegalStateException e)
        {
            throw segment.closedOr(e);
        }
        catch (final InternalError e)
        {
            throw segment.truncated(e);
        }
    }

    private Result walk(final long fromOffset, final boolean lastSegment, final boolean wholeRemainder)
    {
        final long tail = segment.tailAcquire();
        final long limit = wholeRemainder || tail == 0 && writtenNearStart() ? capacity : Math.min(tail, capacity);
        long offset = fromOffset;
        long validEnd = fromOffset;
        tentativeFrom = 0;
        // Whether offset was reached by skipping zeros rather than by following frames: then it may be the middle of
        // a frame whose first page was lost (OS crash), and a negative word there is not a claim length to trust.
        boolean afterGap = false;
        while (capacity - offset >= FrameDescriptor.MIN_FRAME_LENGTH)
        {
            final int length = data.get(FrameDescriptor.INT, offset);
            final long next;
            if (length == 0)
            {
                final long nonZero = nextNonZeroWord(offset, limit);
                if (nonZero < 0)
                {
                    break;
                }
                next = nonZero - offset >= FrameDescriptor.MIN_FRAME_LENGTH
                    ? setAside(offset, nonZero - offset, Kind.ZERO_GAP, "zeros where a frame should start "
                        + "(a writer stopped between claim and its first store)")
                    : headerWordAlone(offset, nonZero)
                    ? resynchronise(offset, Kind.ZERO_GAP, "a frame's header word without its length (a writer "
                        + "stopped between its first two stores)")
                    : resynchronise(offset, Kind.BAD_FRAME, "frame length 0 with non-zero header bytes");
                afterGap = true;
            }
            else if (length < 0)
            {
                next = afterGap
                    ? resynchronise(offset, Kind.BAD_FRAME, "negative length " + length + " right after zeros is not "
                        + "taken for a claim (it may lie inside a frame whose start was lost)")
                    : deadClaim(offset, -(long)length);
            }
            else
            {
                final long span = validate(offset, length);
                if (span > 0)
                {
                    offset += span;
                    validEnd = offset;
                    confirmTentative();
                    afterGap = false;
                    continue;
                }
                next = damaged(offset, length);
            }
            if (next <= offset)
            {
                break;
            }
            offset = next;
        }
        return finish(validEnd, lastSegment, limit);
    }

    /**
     * Whether a segment whose tail counter is 0 holds bytes in its first {@link #PROBE_BYTES}: then the header lost
     * its tail (a fresh segment is all zeros) and the whole segment is walked, so that a zeroed first frame does not
     * hide the frames after it. Only the start is probed: reading all of every fresh segment would cost each open of
     * a log with empty shards a full read of them. A writer's segment whose first {@value #PROBE_BYTES} bytes were lost
     * too is found only by the caller's evidence (see {@code wholeRemainder}).
     */
    private boolean writtenNearStart()
    {
        return nextNonZeroWord(0, Math.min(PROBE_BYTES, capacity)) >= 0;
    }

    /**
     * Whether the first non-zero word after the zero commit word at {@code offset} ({@code nonZero}) holds just a
     * DATA or BATCH header word: what a writer stores before it marks its claim ({@link SegmentAppender}).
     */
    private boolean headerWordAlone(final long offset, final long nonZero)
    {
        final int word = data.get(FrameDescriptor.INT, offset + FrameDescriptor.TYPE_OFFSET);
        final byte type = FrameDescriptor.typeOf(word);
        return nonZero == offset + FrameDescriptor.TYPE_OFFSET && data.get(FrameDescriptor.INT, offset + 12) == 0
            && (type == FrameDescriptor.TYPE_DATA || type == FrameDescriptor.TYPE_BATCH);
    }

    /** Returns the aligned span of a fully valid frame at {@code offset}, or 0 if it is not valid. */
    private long validate(final long offset, final int length)
    {
        final int word = data.get(FrameDescriptor.INT, offset + FrameDescriptor.TYPE_OFFSET);
        if (!isAnchor(offset, length, word))
        {
            return 0;
        }
        final byte type = FrameDescriptor.typeOf(word);
        if (type == FrameDescriptor.TYPE_DATA)
        {
            records++;
        }
        else if (type == FrameDescriptor.TYPE_BATCH)
        {
            final long inner = validBatchRecords(offset, length);
            if (inner < 0)
            {
                return 0;
            }
            records += inner;
        }
        return FrameDescriptor.align(length);
    }

    /**
     * A frame that may stand at the top level: committed, well formed, checksum valid, and not a batch record
     * (those are valid only behind their batch header).
     */
    private boolean isAnchor(final long offset, final int length, final int word)
    {
        return length > 0 && FrameDescriptor.checkFrame(length, word, capacity - offset) == null
            && !isBatchRecord(word) && checksumMatches(offset, length, word);
    }

    private static boolean isBatchRecord(final int word)
    {
        return (FrameDescriptor.flagsOf(word) & FrameDescriptor.FLAG_BATCH_RECORD) != 0;
    }

    private boolean checksumMatches(final long offset, final int length, final int word)
    {
        final int stored = data.get(FrameDescriptor.INT, offset + FrameDescriptor.CHECKSUM_OFFSET);
        return stored == FrameChecks.expectedChecksum(data, base, offset, length, word, checksummer);
    }

    /** Number of records of a batch whose inner frames all validate and tile it exactly, else -1. */
    private long validBatchRecords(final long offset, final int length)
    {
        final int count = data.get(FrameDescriptor.INT, offset + FrameDescriptor.BATCH_COUNT_OFFSET);
        final long end = offset + length;
        long at = offset + FrameDescriptor.BATCH_HEADER_LENGTH;
        int seen = 0;
        while (at < end)
        {
            final int inner = data.get(FrameDescriptor.INT, at);
            final int word = data.get(FrameDescriptor.INT, at + FrameDescriptor.TYPE_OFFSET);
            if (inner <= 0 || FrameDescriptor.checkFrame(inner, word, end - at) != null
                || FrameDescriptor.typeOf(word) != FrameDescriptor.TYPE_DATA || !isBatchRecord(word)
                || !checksumMatches(at, inner, word))
            {
                return -1;
            }
            at += FrameDescriptor.align(inner);
            seen++;
        }
        return at == end && seen == count ? seen : -1;
    }

    private long deadClaim(final long offset, final long claimed)
    {
        if (claimed >= FrameDescriptor.HEADER_LENGTH && FrameDescriptor.align(claimed) <= capacity - offset)
        {
            return setAside(offset, FrameDescriptor.align(claimed), Kind.DEAD_CLAIM,
                "claimed for " + claimed + " bytes and never committed (the writer stopped)");
        }
        return resynchronise(offset, Kind.BAD_FRAME, "negative length " + (-claimed) + " is not a possible claim");
    }

    /** A committed-looking frame that does not validate. */
    private long damaged(final long offset, final int length)
    {
        final int word = data.get(FrameDescriptor.INT, offset + FrameDescriptor.TYPE_OFFSET);
        final String layoutProblem = FrameDescriptor.checkFrame(length, word, capacity - offset);
        final String type = FrameDescriptor.typeName(FrameDescriptor.typeOf(word));
        if (layoutProblem != null)
        {
            return resynchronise(offset, Kind.BAD_FRAME, layoutProblem);
        }
        if (!checksumMatches(offset, length, word))
        {
            return resynchronise(offset, Kind.CHECKSUM_MISMATCH, type + " frame of " + length
                + " bytes fails its checksum");
        }
        if (isBatchRecord(word))
        {
            return resynchronise(offset, Kind.TORN_BATCH, "a batch record without its batch header: the batch is "
                + "dropped whole");
        }
        // A batch header that validates (its seal covers its length) with an inner frame that does not.
        return setAside(offset, FrameDescriptor.align(length), Kind.TORN_BATCH,
            "a batch with a damaged inner frame: all of its records are dropped");
    }

    /**
     * Sets aside everything from {@code offset} to the next frame that may stand at the top level, searching 8-byte
     * boundaries up to the capacity (after damage, valid frames may lie anywhere). The search starts one minimal
     * frame further on, so that what is set aside can always carry a PAD header.
     */
    private long resynchronise(final long offset, final Kind kind, final String problem)
    {
        for (long at = offset + FrameDescriptor.MIN_FRAME_LENGTH; capacity - at >= FrameDescriptor.MIN_FRAME_LENGTH;
            at += FrameDescriptor.ALIGNMENT)
        {
            final int length = data.get(FrameDescriptor.INT, at);
            if (length > 0 && isAnchor(at, length, data.get(FrameDescriptor.INT, at + FrameDescriptor.TYPE_OFFSET)))
            {
                return setAside(offset, at - offset, kind, problem + "; next valid frame at position " + (base + at));
            }
        }
        final long end = Math.min(capacity, Math.max(lastNonZeroEnd(offset, capacity),
            offset + FrameDescriptor.MIN_FRAME_LENGTH));
        setAside(offset, end - offset, kind, problem + "; no valid frame follows");
        return -1;
    }

    /** Records a finding to set aside; it is padded (in REPAIR mode) when {@link #confirmTentative} confirms it. */
    private long setAside(final long offset, final long length, final Kind kind, final String detail)
    {
        findings.add(new Finding(base + offset, length, kind, detail));
        return offset + length;
    }

    /** Something valid follows the tentative findings, so they are set aside for good: pads them (REPAIR mode). */
    private void confirmTentative()
    {
        for (int i = tentativeFrom; mode == Mode.REPAIR && i < findings.size(); i++)
        {
            final Finding finding = findings.get(i);
            if (finding.length() >= FrameDescriptor.MIN_FRAME_LENGTH)
            {
                SegmentAppender.writePad(data, base, finding.position() - base, (int)finding.length(),
                    FrameDescriptor.FLAG_SET_ASIDE);
            }
        }
        tentativeFrom = findings.size();
    }

    /**
     * Turns the findings after the last valid frame into a torn tail (last segment: cut and zeroed) or sets the
     * rest of the segment aside (earlier segment), and resets the tail counter of a repaired last segment.
     */
    private Result finish(final long validEnd, final boolean lastSegment, final long limit)
    {
        final long garbageEnd = lastNonZeroEnd(validEnd, Math.max(limit, validEnd));
        final List<Finding> trailing = new ArrayList<>(findings.subList(tentativeFrom, findings.size()));
        final long trailingEnd = trailing.isEmpty() ? validEnd
            : trailing.getLast().position() - base + trailing.getLast().length();
        final long claimedEnd = Math.max(validEnd, Math.min(segment.tailAcquire(), capacity));
        final long end = Math.max(Math.max(garbageEnd, claimedEnd), Math.min(trailingEnd, capacity));
        boolean complete = capacity - validEnd < FrameDescriptor.MIN_FRAME_LENGTH;
        if (lastSegment)
        {
            findings.subList(tentativeFrom, findings.size()).clear();
            if (end > validEnd)
            {
                findings.add(new Finding(base + validEnd, end - validEnd, Kind.TORN_TAIL,
                    describeTail(trailing) + "; cut off" + (mode == Mode.REPAIR ? " and zeroed" : "")));
                if (mode == Mode.REPAIR)
                {
                    data.asSlice(validEnd, end - validEnd).fill((byte)0);
                }
            }
            if (mode == Mode.REPAIR)
            {
                segment.setTailVolatile(validEnd);
            }
        }
        else if (!complete)
        {
            findings.subList(tentativeFrom, findings.size()).clear();
            setAside(validEnd, capacity - validEnd, Kind.TORN_TAIL, describeTail(trailing)
                + "; the rest of this segment is set aside (a later segment continues the log)");
            confirmTentative();
            complete = true;
        }
        return new Result(validEnd, records, complete, List.copyOf(findings));
    }

    private static String describeTail(final List<Finding> trailing)
    {
        if (trailing.isEmpty())
        {
            return "claimed or written after the last valid frame, never completed";
        }
        final StringBuilder text = new StringBuilder("after the last valid frame: ");
        for (int i = 0; i < trailing.size(); i++)
        {
            text.append(i == 0 ? "" : "; ").append(trailing.get(i).kind()).append(' ').append(trailing.get(i).detail());
        }
        return text.toString();
    }

    /** The first 8-byte aligned offset in {@code [from, limit)} holding a non-zero word, or -1. */
    private long nextNonZeroWord(final long from, final long limit)
    {
        for (long at = from; at < limit; at += FrameDescriptor.ALIGNMENT)
        {
            if (data.get(ValueLayout.JAVA_LONG, at) != 0)
            {
                return at;
            }
        }
        return -1;
    }

    /** The end (8-aligned) of the last non-zero word in {@code [from, limit)}, or {@code from} if all are zero. */
    private long lastNonZeroEnd(final long from, final long limit)
    {
        for (long at = (limit - FrameDescriptor.ALIGNMENT) & -FrameDescriptor.ALIGNMENT; at >= from;
            at -= FrameDescriptor.ALIGNMENT)
        {
            if (data.get(ValueLayout.JAVA_LONG, at) != 0)
            {
                return at + FrameDescriptor.ALIGNMENT;
            }
        }
        return from;
    }
}
