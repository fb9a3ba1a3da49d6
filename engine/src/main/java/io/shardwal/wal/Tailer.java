package io.shardwal.wal;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import io.shardwal.mmap.CommittedPrefix;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.FrameHandler;
import io.shardwal.mmap.FrameReader;
import io.shardwal.mmap.FrameView;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentDescriptor;
import io.shardwal.mmap.SegmentScanner;
import io.shardwal.mmap.ShardwalException;

/**
 * Reads one shard's records in position order from a starting position, live: {@link #poll} returns what has
 * been committed since the last call and follows the shard across segment rolls. Works in the writer's process
 * and, through {@link ShardedWal#openReadOnly}, in any other process.
 *
 * <p>Tailers see committed records, which in ASYNC and BATCH_ONLY mode may not be durable yet; compare
 * {@link #position()} with {@link ShardedWal#durablePosition(int)} if that matters. Checksums are verified; a
 * damaged record is a CORRUPT error and is never delivered.
 *
 * <p>A tailer holds a mapping of its current segment. If that segment is pruned, the tailer keeps reading it
 * (the mapping stays valid) and moves on normally; a tailer that has to <em>open</em> a pruned segment fails with
 * PRUNED.
 *
 * <p>The start must be a record position: 0, a segment's start, a position an append or a record returned, a
 * tailer's {@link #position()}, or a checkpoint's. An aligned position inside a record is an
 * {@link IllegalArgumentException} naming the record that holds it, thrown by the first {@link #poll} that can tell:
 * at once if writers have claimed past the start, else once they do (until then the tailer waits there as at any
 * position not written yet). Telling costs one walk over the frames of the start's segment up to the start, and only
 * when the start does not read as a committed record.
 *
 * <p>A record inside a batch is written before its batch commits, and stays in the bytes of a batch that never does:
 * one whose writer failed is committed as padding, one whose writer died is set aside as padding by recovery. So a
 * start at such a record waits until its batch has committed, and is a start inside that padding once the batch
 * turns out to be padding. Telling walks the segment's committed frames once for all readers of the segment
 * ({@link CommittedPrefix}): a start below where that walk got costs no walk.
 *
 * <p>A segment's last 8 bytes are too few for a frame: a start there is the segment's end if the segment's last
 * frame ends before it (a tailer that stopped after that frame stands there), and inside a record (or the padding
 * that ends the segment) if the last frame covers it.
 *
 * <p><b>Threads.</b> Not thread-safe: one tailer per thread; any number of tailers per shard.
 */
public final class Tailer implements AutoCloseable, FrameHandler
{
    /** An int of a frame header (the commit word, the header word): little-endian. */
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final NotYet NOT_YET = new NotYet();

    private final int shard;
    private final ShardSegments segments;
    private final long segmentSize;
    private final WalRecord record = new WalRecord();
    private final long startPosition;
    /**
     * While the start is not known to be a record position: the offset in its segment from which the walk that tells
     * goes on ({@link SegmentScanner#frameBoundary}); -1 once it is known.
     */
    private long startWalk;
    private long position;
    private long stopPosition = Long.MAX_VALUE;
    private MappedSegment segment;
    private FrameReader reader;
    private RecordHandler handler;
    private boolean closed;

    Tailer(final int shard, final ShardSegments segments, final long segmentSize, final long fromPosition)
    {
        checkStart(shard, fromPosition);
        this.shard = shard;
        this.segments = segments;
        this.segmentSize = segmentSize;
        this.startPosition = fromPosition;
        this.startWalk = fromPosition % segmentSize == 0 ? -1 : 0;
        this.position = fromPosition;
    }

    /** Refuses a start that cannot be a record position of {@code shard}. */
    static void checkStart(final int shard, final long position)
    {
        if (position < 0 || (position & (FrameDescriptor.ALIGNMENT - 1)) != 0)
        {
            throw new IllegalArgumentException("shard " + shard + ": reading starts at a record position (8-byte "
                + "aligned, >= 0), not " + position);
        }
    }

    /** Makes the tailer deliver only records that start before {@code position}. */
    Tailer stopAt(final long position)
    {
        stopPosition = position;
        if (reader != null)
        {
            reader.stopAt(stopPosition - segment.basePosition());
        }
        return this;
    }

    public int shard()
    {
        return shard;
    }

    /** Position of the next record this tailer will read (just past the last one delivered). */
    public long position()
    {
        return position;
    }

    /**
     * Delivers up to {@code limit} records to {@code handler}.
     *
     * @return the number delivered; 0 if nothing new is committed yet.
     */
    public int poll(final RecordHandler handler, final int limit)
    {
        if (closed)
        {
            throw new IllegalStateException("tailer of shard " + shard + " is closed");
        }
        this.handler = handler;
        int delivered = 0;
        try
        {
            while (delivered < limit && position < stopPosition)
            {
                if (reader == null && !openSegment())
                {
                    break;
                }
                final int read = pollReader(limit - delivered);
                delivered += read;
                position = reader.position();
                if (read == 0)
                {
                    if (!reader.isEndOfSegment())
                    {
                        if (startWalk >= 0)
                        {
                            checkStartWhileWaiting();
                        }
                        break;
                    }
                    if (startWalk >= 0 && !isFrameBoundary())
                    {
                        break; // a start in the segment's last bytes, which writers have not reached yet
                    }
                    position = segment.endPosition();
                    closeSegment();
                }
            }
        }
        finally
        {
            this.handler = null;
            if (reader != null)
            {
                // The reader stopped at the record whose handler threw (if one did): that is where to go on.
                position = reader.position();
            }
        }
        return delivered;
    }

    /** One poll of the segment's reader; a CORRUPT frame where reading started may be a start inside a record. */
    private int pollReader(final int limit)
    {
        try
        {
            final int read = reader.poll(this, limit);
            if (reader.position() != startPosition)
            {
                startWalk = -1; // valid frames led away from the start: it was a record position
            }
            return read;
        }
        catch (final NotYet e)
        {
            return 0;
        }
        catch (final ShardwalException e)
        {
            if (startWalk >= 0 && e.category() == ShardwalException.Category.CORRUPT
                && reader.position() == startPosition)
            {
                final long frame = SegmentScanner.frameBoundary(segment, startWalk, startPosition - base());
                if (frame < 0)
                {
                    startWalk = -1 - frame; // a claim before the start has no commit word yet: wait to tell
                    return 0;
                }
                if (frame < startPosition - base() && FrameReader.frameProblem(segment, frame) == null)
                {
                    throw notARecordPosition(frame);
                }
                // else the walk met damage before the start: what the reader found there is the error
            }
            throw e;
        }
    }

    /**
     * Nothing is committed at the start yet. If writers have claimed past it, tells whether it is a record position:
     * a start inside a record would otherwise wait there forever.
     */
    private void checkStartWhileWaiting()
    {
        if (reader.position() == startPosition && segment.claimedLimit() > startPosition - base())
        {
            isFrameBoundary();
        }
    }

    /**
     * Walks on towards the start ({@link SegmentScanner#frameBoundary}): true once it is known to be a frame
     * boundary, false while that cannot be told yet.
     *
     * @throws IllegalArgumentException if the start lies inside a frame.
     * @throws ShardwalException        CORRUPT if the walk meets damage, which no start can be told through.
     */
    private boolean isFrameBoundary()
    {
        final long frame = SegmentScanner.frameBoundary(segment, startWalk, startPosition - base());
        if (frame < 0)
        {
            startWalk = -1 - frame;
            return false;
        }
        if (frame < startPosition - base())
        {
            throw notARecordPosition(frame);
        }
        startWalk = -1;
        return true;
    }

    /**
     * The start lies inside the frame at {@code frameOffset}: the caller's mistake, an IllegalArgumentException; but
     * if that frame is damage (a length that only damage makes, a checksum that fails), the walk's conclusion is
     * worth nothing and the file is to blame: CORRUPT naming it and the damaged frame.
     */
    private RuntimeException notARecordPosition(final long frameOffset)
    {
        final String damage = FrameReader.frameProblem(segment, frameOffset);
        if (damage != null)
        {
            return new ShardwalException(ShardwalException.Category.CORRUPT, "shard " + shard + ": cannot tell "
                + "whether position " + startPosition + " is a record position: the walk over its segment's frames "
                + "meets damage at position " + (base() + frameOffset) + " (" + damage + ")", segment.file(),
                SegmentDescriptor.DATA_OFFSET + frameOffset);
        }
        // The commit word, little-endian: +length, or -length while the frame is being written.
        final long frameLength = Math.abs((long)segment.data().get(INT, frameOffset));
        return new IllegalArgumentException("shard " + shard + ": position " + startPosition + " is not a record "
            + "position: it lies inside the frame at position " + (base() + frameOffset) + " (" + frameLength
            + " bytes) of " + segment.file());
    }

    private long base()
    {
        return segment.basePosition();
    }

    @Override
    public void onFrame(final FrameView frame)
    {
        if (startWalk >= 0)
        {
            checkFirstRecord(frame);
        }
        record.wrap(shard, frame);
        handler.onRecord(record);
    }

    /**
     * The first record read from a start not known to be a record position yet. A committed frame there proves the
     * start, unless it is a record inside a batch: those are written before their batch commits and stay in the bytes
     * under the padding of a batch that never does, so such a record is one only once its batch has committed
     * ({@link CommittedPrefix}). Until then the reader stays at it (as at a record not committed yet). A record the
     * reader reached past the start went through committed frames from it (a batch header, padding): proven.
     */
    private void checkFirstRecord(final FrameView frame)
    {
        final int word = frame.buffer().get(INT, frame.frameOffset() + FrameDescriptor.TYPE_OFFSET);
        if ((FrameDescriptor.flagsOf(word) & FrameDescriptor.FLAG_BATCH_RECORD) != 0
            && frame.frameOffset() == startPosition - base())
        {
            final long found = segments.committedPrefix(segment).tell(segment, startWalk, frame.frameOffset(),
                frame.frameOffset() + frame.alignedLength());
            if (found < 0)
            {
                startWalk = -1 - found;
                throw NOT_YET;
            }
            if (found < frame.frameOffset())
            {
                throw notARecordPosition(found);
            }
        }
        startWalk = -1;
    }

    private boolean openSegment()
    {
        final long base = position - position % segmentSize;
        try
        {
            segment = segments.acquire(base);
        }
        catch (final IOException e)
        {
            throw new ShardwalException(ShardwalException.Category.IO, "shard " + shard + " could not map the segment "
                + "at " + base + ": " + e.getMessage(), segments.fileFor(base), ShardwalException.NO_OFFSET, e);
        }
        if (segment == null)
        {
            return false;
        }
        reader = new FrameReader(segment, position - base, true);
        if (stopPosition != Long.MAX_VALUE)
        {
            reader.stopAt(stopPosition - base);
        }
        return true;
    }

    private void closeSegment()
    {
        if (segment != null)
        {
            segments.release(segment);
        }
        segment = null;
        reader = null;
    }

    /** Releases the tailer's mapping. Idempotent. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            closeSegment();
        }
    }

    @Override
    public String toString()
    {
        return "Tailer{shard=" + shard + ", position=" + position + '}';
    }

    /** Stops the segment's reader at the record it is delivering: the start is not known to be one yet. */
    private static final class NotYet extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        NotYet()
        {
            super(null, null, false, false);
        }
    }
}
