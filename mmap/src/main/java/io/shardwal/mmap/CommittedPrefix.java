package io.shardwal.mmap;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Tells whether a frame marked {@link FrameDescriptor#FLAG_BATCH_RECORD} is a record of the log, and remembers what
 * it walked for that, so that the next time costs little.
 *
 * <p>A batch's records are written, with positive lengths and valid checksums, before its header commits, and they
 * stay in the bytes when it never does: a batch whose fill failed is committed as PAD over them, and recovery sets a
 * dead or torn batch aside under a PAD that keeps its bytes. Such a frame is a record only inside a committed BATCH,
 * and only a walk of the segment's frames from a known boundary finds the frame that holds it. This class keeps, for
 * one segment file, the end of the longest prefix of committed frames walked so far and the PAD frames in it that
 * may hide batch records: those with {@link FrameDescriptor#FLAG_SET_ASIDE}, and those that start like a batch (a
 * batch record 16 bytes in; a batch that fails before its first record is written hides none). Below that end, the
 * committed frame that holds a batch record is one of those PADs or else its batch.
 *
 * <p><b>Threads.</b> Thread-safe, and read-only on the segment: safe while writers append, on read-only mappings too.
 * Walks are serialised, so each frame is walked once however many readers ask.
 */
public final class CommittedPrefix
{
    /** Offset just past the committed frames walked so far. */
    private long walked;
    /** Start and end offsets of the PAD frames below {@link #walked} that may hide batch records, in order. */
    private long[] pads = new long[4];
    private int padBounds;

    /**
     * Whether the frame at {@code offset}, a batch record whose aligned length ends at {@code end}, is a record of a
     * committed batch.
     *
     * @param from a frame boundary at or below {@code offset} from which a walk may go on: 0, or {@code resume} of
     *             an earlier call's {@code -1 - resume}.
     * @return {@code offset} if it is a record of a committed batch; the start of the frame that holds it (below
     *         {@code offset}) if it is not a record position, such as a PAD over a batch that never committed; or
     *         {@code -1 - resume} while that cannot be told yet: the batch is still being written, or a claim before
     *         it has not stored its commit word yet.
     */
    public long tell(final MappedSegment segment, final long from, final long offset, final long end)
    {
        final long prefix;
        // The monitor orders this thread after every earlier walk: what their acquire loads of commit words made
        // visible (a batch's records, once its commit was seen) is visible here too.
        synchronized (this)
        {
            prefix = advance(segment, end);
            if (prefix >= end)
            {
                return padHolding(offset);
            }
        }
        // The frame that holds it is not committed, or lies past frames that are not: walk on to it from the best
        // boundary known; SegmentScanner.frameBoundary steps into a BATCH only once it is committed.
        return SegmentScanner.frameBoundary(segment, prefix <= offset ? Math.max(prefix, from) : from, offset);
    }

    /** Walks the committed frames from {@link #walked} until one ends at or past {@code until}; returns the end. */
    private long advance(final MappedSegment segment, final long until)
    {
        final MemorySegment data = segment.data();
        final long capacity = segment.capacity();
        long offset = walked;
        try
        {
            while (offset < until && capacity - offset >= FrameDescriptor.MIN_FRAME_LENGTH)
            {
                // Acquire load of the commit word; pairs with the writer's release store of +length (a batch's
                // commit, or a PAD's), which makes the plain stores before it (batch records under a PAD) visible.
                final int length = (int)FrameDescriptor.LENGTH.getAcquire(data, offset);
                if (length <= 0)
                {
                    break;
                }
                final long next = Math.min(offset + FrameDescriptor.align((long)length), capacity);
                final int word = data.get(FrameDescriptor.INT, offset + FrameDescriptor.TYPE_OFFSET);
                if (FrameDescriptor.typeOf(word) == FrameDescriptor.TYPE_PAD
                    && mayHideRecords(data, offset, next, word))
                {
                    addPad(offset, next);
                }
                offset = next;
            }
        }
        catch (final IllegalStateException e)
        {
            throw segment.closedOr(e);
        }
        catch (final InternalError e)
        {
            throw segment.truncated(e);
        }
        walked = offset;
        return offset;
    }

    /**
     * Whether the PAD frame {@code [offset, end)} may lie over batch records: set aside by recovery, or the claim of a
     * batch whose fill failed after its first record.
     */
    private static boolean mayHideRecords(final MemorySegment data, final long offset, final long end, final int word)
    {
        if ((FrameDescriptor.flagsOf(word) & FrameDescriptor.FLAG_SET_ASIDE) != 0)
        {
            return true;
        }
        final long first = offset + FrameDescriptor.BATCH_HEADER_LENGTH;
        if (end - first < FrameDescriptor.MIN_FRAME_LENGTH)
        {
            return false;
        }
        // Plain loads: the acquire load of the PAD's commit word made what was written under it visible.
        final int length = data.get(FrameDescriptor.INT, first);
        final int flags = FrameDescriptor.flagsOf(data.get(FrameDescriptor.INT, first + FrameDescriptor.TYPE_OFFSET));
        return length > 0 && (flags & FrameDescriptor.FLAG_BATCH_RECORD) != 0;
    }

    private void addPad(final long start, final long end)
    {
        if (padBounds == pads.length)
        {
            pads = Arrays.copyOf(pads, 2 * pads.length);
        }
        pads[padBounds++] = start;
        pads[padBounds++] = end;
    }

    /** The start of the recorded PAD that holds {@code offset}, or {@code offset} if none does. */
    private long padHolding(final long offset)
    {
        int low = 0;
        int high = padBounds / 2 - 1;
        while (low <= high)
        {
            final int middle = (low + high) >>> 1;
            if (pads[2 * middle] <= offset)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return high >= 0 && offset < pads[2 * high + 1] ? pads[2 * high] : offset;
    }
}
