package io.shardwal.mmap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * The many-writer appender of one segment: the claim-and-commit protocol.
 *
 * <ol>
 *   <li><b>Claim</b>: {@code getAndAdd} on the tail counter in the segment header reserves
 *       {@code align(frameLength)} bytes; the range is the caller's alone.</li>
 *   <li>Write the header word, then release-store {@code -frameLength} at the frame start, so a claim whose writer
 *       dies is recognisable (and repairable) as a dead claim.</li>
 *   <li>Write key and value.</li>
 *   <li><b>Commit</b>: compare-and-set {@code -frameLength} to {@code +frameLength}, with the checksum beside it as
 *       one 8-byte word. Readers acquire-load the length; a positive length means the whole frame is visible.</li>
 * </ol>
 *
 * A claim left open blocks every reader behind it. {@link #unblock} pads over such a claim; its owner's commit then
 * fails ({@link ShardwalException.Category#TIMEOUT}) instead of publishing a record that readers already skipped.
 *
 * A claim that runs past the capacity fails. The one writer whose claim straddles the end pads the rest of the
 * segment with a PAD frame; every overshooting writer gets {@link #SEGMENT_FULL} and must continue in the next
 * segment. The tail counter may thus exceed the capacity; it is read as {@code min(tail, capacity)}.
 *
 * <p><b>Threads.</b> All methods may be called by any number of threads at once. Each thread passes its own
 * {@link FrameClaim} (the overloads without one use a thread-local claim).
 *
 * <p><b>Assumptions and guarantees.</b>
 * <ul>
 *   <li>Lock-free: a writer never waits for another; one atomic add and one compare-and-set per append (or per
 *       batch).</li>
 *   <li>Frames are published in claim order per writer but may commit out of order across writers; readers stop
 *       at the first uncommitted frame, so they never skip one and never see a partial one.</li>
 *   <li>Nothing here allocates on the copying paths with {@code byte[]} or {@link MemorySegment} sources.</li>
 *   <li>After a process crash, every committed frame is in the page cache and therefore on disk eventually;
 *       durability against an OS crash is the caller's {@link MappedSegment#msync}.</li>
 * </ul>
 */
public final class SegmentAppender
{
    /** The claim crossed the end of the segment: continue in the next segment. */
    public static final long SEGMENT_FULL = -1;

    private static final ThreadLocal<FrameClaim> WORKSPACE = ThreadLocal.withInitial(FrameClaim::new);

    private final MappedSegment segment;
    private final MemorySegment data;
    private final long capacity;
    private final long basePosition;

    public SegmentAppender(final MappedSegment segment)
    {
        if (segment.isReadOnly())
        {
            throw new IllegalArgumentException("cannot append to read-only segment " + segment.file());
        }
        this.segment = segment;
        this.data = segment.data();
        this.capacity = segment.capacity();
        this.basePosition = segment.basePosition();
    }

    public MappedSegment segment()
    {
        return segment;
    }

    /** Text for a negative result of this class's methods. */
    public static String errorString(final long result)
    {
        if (result == SEGMENT_FULL)
        {
            return "SEGMENT_FULL: the claim crossed the end of the segment; continue in the next one";
        }
        return result >= 0 ? "position " + result : "unknown result " + result;
    }

    /**
     * Claims a DATA frame for {@code keyLength} + {@code valueLength} bytes and wraps {@code claim} around it.
     *
     * @return the frame's position, or {@link #SEGMENT_FULL}.
     */
    public long tryClaim(final int keyLength, final int valueLength, final FrameClaim claim)
    {
        if (claim.isActive())
        {
            throw new IllegalStateException("the claim is still active: commit or abort it before claiming again");
        }
        final int length = checkedLength(keyLength, valueLength);
        try
        {
            final long offset = claim(FrameDescriptor.align(length));
            if (offset < 0)
            {
                return SEGMENT_FULL;
            }
            begin(offset, length, keyLength);
            claim.wrap(segment, offset, length, keyLength);
            return basePosition + offset;
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

    /** Copies one record into the segment; uses the calling thread's own claim as workspace. */
    public long append(final byte[] key, final byte[] value)
    {
        return append(key, value, WORKSPACE.get());
    }

    /**
     * Copies one record into the segment.
     *
     * @return the record's position, or {@link #SEGMENT_FULL}.
     */
    public long append(final byte[] key, final byte[] value, final FrameClaim workspace)
    {
        final int length = checkedLength(key.length, value.length);
        final Checksummer checksum = workspace.checksummer;
        checksum.reset();
        checksum.update(key, 0, key.length);
        checksum.update(value, 0, value.length);
        final int body = checksum.value();
        try
        {
            final long offset = claim(FrameDescriptor.align(length));
            if (offset < 0)
            {
                return SEGMENT_FULL;
            }
            begin(offset, length, key.length);
            final long keyOffset = offset + FrameDescriptor.HEADER_LENGTH;
            put(key, keyOffset);
            put(value, keyOffset + key.length);
            if (!FrameDescriptor.commitData(data, offset, basePosition + offset, length, key.length, body))
            {
                throw unblocked(segment, offset);
            }
            return basePosition + offset;
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

    /** Copies one record (the remaining bytes of each buffer; positions are kept) into the segment. */
    public long append(final ByteBuffer key, final ByteBuffer value, final FrameClaim workspace)
    {
        return append(MemorySegment.ofBuffer(key), MemorySegment.ofBuffer(value), workspace);
    }

    /**
     * Copies one record into the segment.
     *
     * @return the record's position, or {@link #SEGMENT_FULL}.
     */
    public long append(final MemorySegment key, final MemorySegment value, final FrameClaim workspace)
    {
        final long keyLength = key.byteSize();
        final long valueLength = value.byteSize();
        if (keyLength > FrameDescriptor.MAX_KEY_LENGTH || valueLength > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("key of " + keyLength + " bytes or value of " + valueLength
                + " bytes is too large for one frame");
        }
        final int length = checkedLength((int)keyLength, (int)valueLength);
        final Checksummer checksum = workspace.checksummer;
        checksum.reset();
        checksum.update(key, 0, keyLength);
        checksum.update(value, 0, valueLength);
        final int body = checksum.value();
        try
        {
            final long offset = claim(FrameDescriptor.align(length));
            if (offset < 0)
            {
                return SEGMENT_FULL;
            }
            begin(offset, length, (int)keyLength);
            final long keyOffset = offset + FrameDescriptor.HEADER_LENGTH;
            put(key, keyOffset);
            put(value, keyOffset + keyLength);
            if (!FrameDescriptor.commitData(data, offset, basePosition + offset, length, (int)keyLength, body))
            {
                throw unblocked(segment, offset);
            }
            return basePosition + offset;
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
     * Appends all records of {@code source} as one BATCH: one contiguous claim and one commit, so after a crash
     * either all of them are there or none. The position of record {@code i} is stored in {@code positions[i]}.
     *
     * @return the position of the batch header, or {@link #SEGMENT_FULL} (then nothing was written).
     */
    public long appendBatch(final BatchSource source, final long[] positions, final FrameClaim workspace)
    {
        final int count = source.size();
        final long total = batchLength(source);
        if (positions.length < count)
        {
            throw new IllegalArgumentException("positions holds " + positions.length + " entries for " + count);
        }
        if (total > capacity)
        {
            throw new IllegalArgumentException("a batch of " + count + " records needs " + total
                + " contiguous bytes and can never fit a segment of " + capacity + " bytes");
        }
        final int batchLength = (int)total;
        try
        {
            final long offset = claim(batchLength);
            if (offset < 0)
            {
                return SEGMENT_FULL;
            }
            final int batchWord = FrameDescriptor.headerWord(FrameDescriptor.TYPE_BATCH, 0);
            data.set(FrameDescriptor.INT, offset + FrameDescriptor.TYPE_OFFSET, batchWord);
            // The batch's dead-claim marker; the inner frames are invisible until the commit.
            FrameDescriptor.markClaimed(data, offset, batchLength);
            fillBatch(source, positions, workspace, offset, batchLength);
            return basePosition + offset;
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
     * Writes and commits the batch claimed at {@code offset}. If reading a record from {@code source} fails (say its
     * memory segment was closed), the claim is committed as PAD before the failure propagates: a claim left
     * uncommitted would stop every reader and the committed frontier at it until the next recovery.
     */
    private void fillBatch(final BatchSource source, final long[] positions, final FrameClaim workspace,
        final long offset, final int batchLength)
    {
        final int count = source.size();
        boolean settled = false;
        try
        {
            data.set(FrameDescriptor.INT, offset + FrameDescriptor.BATCH_COUNT_OFFSET, count);
            long at = offset + FrameDescriptor.BATCH_HEADER_LENGTH;
            final Checksummer checksum = workspace.checksummer;
            for (int i = 0; i < count; i++)
            {
                final int keyLength = source.keyLength(i);
                final int length = (int)FrameDescriptor.dataFrameLength(keyLength, source.valueLength(i));
                final int word = FrameDescriptor.headerWord(FrameDescriptor.TYPE_DATA,
                    FrameDescriptor.FLAG_BATCH_RECORD, keyLength);
                data.set(FrameDescriptor.INT, at + FrameDescriptor.TYPE_OFFSET, word);
                try
                {
                    source.copyKey(i, data, at + FrameDescriptor.HEADER_LENGTH);
                    source.copyValue(i, data, at + FrameDescriptor.HEADER_LENGTH + keyLength);
                }
                catch (final IllegalStateException | WrongThreadException e)
                {
                    throw unreadable(i, offset, e);
                }
                final int body = checksum.of(data, at + FrameDescriptor.HEADER_LENGTH,
                    length - FrameDescriptor.HEADER_LENGTH);
                data.set(FrameDescriptor.INT, at + FrameDescriptor.CHECKSUM_OFFSET,
                    body ^ FrameDescriptor.seal(basePosition + at, length, word));
                // Plain store: the batch commit below publishes the inner frames.
                data.set(FrameDescriptor.INT, at + FrameDescriptor.LENGTH_OFFSET, length);
                positions[i] = basePosition + at;
                at += FrameDescriptor.align(length);
            }
            final int countChecksum = checksum.of(data, offset + FrameDescriptor.BATCH_COUNT_OFFSET, 4);
            final int batchWord = FrameDescriptor.headerWord(FrameDescriptor.TYPE_BATCH, 0);
            // The batch length: the single commit of every inner frame.
            final boolean published = FrameDescriptor.commit(data, offset, batchLength,
                countChecksum ^ FrameDescriptor.seal(basePosition + offset, batchLength, batchWord));
            settled = true; // committed, or padded over by unblock: nothing is left to pad either way
            if (!published)
            {
                throw unblocked(segment, offset);
            }
        }
        finally
        {
            if (!settled)
            {
                padAbandoned(offset, batchLength);
            }
        }
    }

    /** The failure to report when record {@code index} could not be copied: CLOSED if this segment is closed. */
    private RuntimeException unreadable(final int index, final long offset, final RuntimeException e)
    {
        if (e instanceof IllegalStateException closedOrNot)
        {
            final RuntimeException translated = segment.closedOr(closedOrNot);
            if (translated != closedOrNot)
            {
                return translated;
            }
        }
        return new IllegalArgumentException("record " + index + " of the batch cannot be read from its source ("
            + e.getMessage() + "); nothing of the batch was appended (its claim at position "
            + (basePosition + offset) + " of " + segment.file() + " is committed as padding)", e);
    }

    /** Commits {@code [offset, offset + length)} as PAD after a failed fill; a closed segment is left to recovery. */
    private void padAbandoned(final long offset, final int length)
    {
        try
        {
            padOver(data, basePosition, offset, length);
        }
        catch (final IllegalStateException | InternalError e)
        {
            // The mapping is gone (closed or truncated): the claim stays a dead claim, which recovery pads.
        }
    }

    /** Bytes a BATCH of these records occupies: its header plus each aligned DATA frame. */
    public static long batchLength(final BatchSource source)
    {
        final int count = source.size();
        if (count <= 0)
        {
            throw new IllegalArgumentException("a batch needs at least one record, not " + count);
        }
        long total = FrameDescriptor.BATCH_HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            total += FrameDescriptor.align(checkedLength(source.keyLength(i), source.valueLength(i)));
        }
        return total;
    }

    /**
     * The unaligned frame length for this key and value, checked.
     *
     * @throws IllegalArgumentException for a negative length, a key over {@link FrameDescriptor#MAX_KEY_LENGTH}
     *                                  or a frame that cannot be represented.
     */
    public static int checkedLength(final int keyLength, final int valueLength)
    {
        if (keyLength < 0 || keyLength > FrameDescriptor.MAX_KEY_LENGTH)
        {
            throw new IllegalArgumentException("key length " + keyLength + " is outside [0, "
                + FrameDescriptor.MAX_KEY_LENGTH + "]");
        }
        if (valueLength < 0)
        {
            throw new IllegalArgumentException("value length " + valueLength + " is negative");
        }
        final long length = FrameDescriptor.dataFrameLength(keyLength, valueLength);
        if (length > SegmentDescriptor.MAX_CAPACITY)
        {
            throw new IllegalArgumentException("a frame of " + length + " bytes is larger than any segment ("
                + SegmentDescriptor.MAX_CAPACITY + " bytes)");
        }
        return (int)length;
    }

    /**
     * Reserves {@code alignedLength} bytes. Returns their offset, or -1 if they do not fit; in that case the one
     * writer whose claim straddles the end pads the remainder of the segment.
     */
    private long claim(final int alignedLength)
    {
        if (alignedLength > capacity)
        {
            throw new IllegalArgumentException("a frame of " + alignedLength + " bytes can never fit segment "
                + segment.file() + " of " + capacity + " bytes");
        }
        final long offset = segment.getAndAddTail(alignedLength);
        if (offset + alignedLength <= capacity)
        {
            return offset;
        }
        if (offset < capacity)
        {
            padToEnd(offset);
        }
        return -1;
    }

    /**
     * Copies {@code bytes} to {@code offset}. An empty key is the common case, and an empty copy is skipped: it
     * would still cost its checks and a call into the copy stub.
     */
    private void put(final byte[] bytes, final long offset)
    {
        if (bytes.length != 0)
        {
            MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, offset, bytes.length);
        }
    }

    private void put(final MemorySegment bytes, final long offset)
    {
        final long length = bytes.byteSize();
        if (length != 0)
        {
            MemorySegment.copy(bytes, 0, data, offset, length);
        }
    }

    private void padToEnd(final long offset)
    {
        final long remaining = capacity - offset;
        if (remaining >= FrameDescriptor.MIN_FRAME_LENGTH)
        {
            writePad(data, basePosition, offset, (int)remaining, 0);
        }
    }

    private void begin(final long offset, final int length, final int keyLength)
    {
        // The header word first: once the marker is out, only the body is the owner's to write (see unblock).
        data.set(FrameDescriptor.INT, offset + FrameDescriptor.TYPE_OFFSET,
            FrameDescriptor.headerWord(FrameDescriptor.TYPE_DATA, keyLength));
        // The dead-claim marker: a crash from here on leaves a repairable negative length.
        FrameDescriptor.markClaimed(data, offset, length);
    }

    /**
     * Pads over the claim in flight at {@code offset} of {@code segment}, whose writer left it open (its thread died,
     * hangs, or forgot the claim): readers stop at a frame that is not committed, so one open claim holds back every
     * frame after it. From then on the owner's commit fails ({@link ShardwalException.Category#TIMEOUT}) and
     * publishes nothing; what the owner still writes lands in the padding's body, which no reader delivers and no
     * checksum covers. Safe while writers append, from any thread.
     *
     * @return the bytes padded over; 0 if no claim is in flight at {@code offset} (it is committed by now, or
     *         claimed without its marker yet, or holds bytes no writer makes, which recovery reports)
     * @throws IllegalArgumentException for a read-only segment, or an offset that cannot start one of its frames.
     */
    public static long unblock(final MappedSegment segment, final long offset)
    {
        if (segment.isReadOnly())
        {
            throw new IllegalArgumentException("cannot pad over a claim in " + segment.file()
                + ": it is mapped read-only");
        }
        final long capacity = segment.capacity();
        if (offset < 0 || offset > capacity - FrameDescriptor.MIN_FRAME_LENGTH
            || (offset & (FrameDescriptor.ALIGNMENT - 1)) != 0)
        {
            throw new IllegalArgumentException("offset " + offset + " cannot start a frame of " + segment.file()
                + " (" + capacity + " bytes of data, frames on " + FrameDescriptor.ALIGNMENT + "-byte boundaries)");
        }
        final MemorySegment data = segment.data();
        try
        {
            final long word = FrameDescriptor.commitWordAndChecksum(data, offset);
            final int length = (int)word;
            final long claimed = -(long)length;
            if (length >= 0 || (int)(word >>> 32) != 0 || claimed < FrameDescriptor.HEADER_LENGTH
                || FrameDescriptor.align(claimed) > capacity - offset)
            {
                return 0;
            }
            return padOver(data, segment.basePosition(), offset, (int)claimed) ? FrameDescriptor.align(claimed) : 0;
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
     * Takes the claim of {@code length} bytes in flight at {@code offset} from its owner and commits it as PAD.
     *
     * @return false if it was not in flight any more: committed, or padded over by someone else.
     */
    static boolean padOver(final MemorySegment data, final long basePosition, final long offset, final int length)
    {
        if (!FrameDescriptor.take(data, offset, length))
        {
            return false;
        }
        writePad(data, basePosition, offset, FrameDescriptor.align(length), 0);
        return true;
    }

    /** The failure of a commit that found its claim padded over by {@link #unblock}. */
    static ShardwalException unblocked(final MappedSegment segment, final long offset)
    {
        return new ShardwalException(ShardwalException.Category.TIMEOUT, "the claim at position "
            + (segment.basePosition() + offset) + " was still open when it was padded over (SegmentAppender.unblock "
            + "of a claim left open too long); the record was not written", segment.file(),
            SegmentDescriptor.DATA_OFFSET + offset);
    }

    /** Writes and commits a PAD frame of {@code length} (aligned) bytes at {@code offset}. */
    static void writePad(final MemorySegment data, final long basePosition, final long offset, final int length,
        final int flags)
    {
        final int word = FrameDescriptor.headerWord(FrameDescriptor.TYPE_PAD, flags, 0);
        data.set(FrameDescriptor.INT, offset + FrameDescriptor.TYPE_OFFSET, word);
        data.set(FrameDescriptor.INT, offset + FrameDescriptor.CHECKSUM_OFFSET,
            FrameDescriptor.seal(basePosition + offset, length, word));
        // Release store of the commit word; pairs with the readers' acquire load.
        FrameDescriptor.LENGTH.setRelease(data, offset + FrameDescriptor.LENGTH_OFFSET, length);
    }
}
