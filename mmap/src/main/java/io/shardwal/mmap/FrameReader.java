package io.shardwal.mmap;

import java.lang.foreign.MemorySegment;

/**
 * Reads the committed frames of one segment in position order, zero-copy, from any thread or process that has
 * the segment mapped (read-only mappings of a file another process writes included).
 *
 * <p>{@link #poll} acquire-loads each frame's length: {@code > 0} committed, {@code <= 0} not yet (the poll stops
 * there and a later poll resumes). PAD frames are skipped; a BATCH header is stepped over so its records are read
 * as ordinary frames. Every committed frame's layout is checked and, unless disabled, its checksum verified; a
 * frame that fails is a {@link ShardwalException} CORRUPT naming the file and offset, and is never delivered.
 *
 * <p><b>Threads.</b> Not thread-safe: one reader per thread. Any number of readers may read one segment while any
 * number of writers append to it.
 */
public final class FrameReader
{
    private final MappedSegment segment;
    private final MemorySegment data;
    private final long capacity;
    private final boolean verifyChecksums;
    private final Checksummer checksummer = new Checksummer();
    private final FrameView view = new FrameView();
    private long offset;
    private long stopOffset;

    /**
     * @param offset          where to start: a frame boundary, e.g. 0, a position a reader returned minus the base,
     *                        or the offset after a delivered frame.
     * @param verifyChecksums whether to verify each frame's CRC32C (layout checks are always on).
     */
    public FrameReader(final MappedSegment segment, final long offset, final boolean verifyChecksums)
    {
        if (offset < 0 || offset > segment.capacity() || (offset & (FrameDescriptor.ALIGNMENT - 1)) != 0)
        {
            throw new IllegalArgumentException("offset " + offset + " is not an 8-byte aligned offset within the "
                + segment.capacity() + " bytes of " + segment.file());
        }
        this.segment = segment;
        this.data = segment.data();
        this.capacity = segment.capacity();
        this.verifyChecksums = verifyChecksums;
        this.offset = offset;
        this.stopOffset = segment.capacity();
    }

    /**
     * Makes the reader deliver only frames that start before {@code offset} (default: the capacity); frames from
     * there on are left for another reader.
     */
    public FrameReader stopAt(final long offset)
    {
        stopOffset = Math.max(0, Math.min(offset, capacity));
        return this;
    }

    /** True once the reader reached its {@link #stopAt} offset (false while that is the capacity). */
    public boolean isAtStop()
    {
        return stopOffset < capacity && offset >= stopOffset;
    }

    public MappedSegment segment()
    {
        return segment;
    }

    /** Offset of the next frame to read. */
    public long offset()
    {
        return offset;
    }

    /** Position of the next frame to read. */
    public long position()
    {
        return segment.basePosition() + offset;
    }

    /** True once the reader has passed the last frame of the segment (its end padding included). */
    public boolean isEndOfSegment()
    {
        return capacity - offset < FrameDescriptor.MIN_FRAME_LENGTH;
    }

    /**
     * Delivers up to {@code limit} committed DATA frames to {@code handler}.
     *
     * @return the number of frames delivered; 0 when the next frame is not committed yet or the segment is done.
     */
    public int poll(final FrameHandler handler, final int limit)
    {
        int delivered = 0;
        try
        {
            while (delivered < limit)
            {
                final long remaining = capacity - offset;
                if (remaining < FrameDescriptor.MIN_FRAME_LENGTH || offset >= stopOffset)
                {
                    break;
                }
                // Acquire load of the commit word; pairs with the writer's release store.
                final int length = (int)FrameDescriptor.LENGTH.getAcquire(data, offset);
                if (length <= 0)
                {
                    break;
                }
                final int word = data.get(FrameDescriptor.INT, offset + FrameDescriptor.TYPE_OFFSET);
                checkFrame(length, word, remaining);
                final byte type = FrameDescriptor.typeOf(word);
                if (type == FrameDescriptor.TYPE_DATA)
                {
                    final int keyLength = FrameDescriptor.keyLengthOf(word);
                    view.wrap(data, segment.basePosition() + offset, offset, keyLength,
                        length - FrameDescriptor.HEADER_LENGTH - keyLength);
                    handler.onFrame(view);
                    delivered++;
                    offset += FrameDescriptor.align(length);
                }
                else if (type == FrameDescriptor.TYPE_BATCH)
                {
                    offset += FrameDescriptor.BATCH_HEADER_LENGTH;
                }
                else
                {
                    offset += FrameDescriptor.align(length);
                }
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
        return delivered;
    }

    /**
     * Why the frame at {@code offset} of {@code segment} cannot be one a writer made, or null if it can be: a
     * committed frame must be well formed and carry its checksum (which binds its position), a claim in progress
     * must fit the segment. A walk that steps over frames by their lengths asks this before it draws a conclusion
     * from a frame's length, which damage can make anything. Read-only and safe while writers append.
     */
    public static String frameProblem(final MappedSegment segment, final long offset)
    {
        final MemorySegment data = segment.data();
        final long remaining = segment.capacity() - offset;
        try
        {
            if (remaining < FrameDescriptor.MIN_FRAME_LENGTH)
            {
                return "no frame fits in the segment's last " + remaining + " bytes";
            }
            // Acquire load of the commit word; pairs with the writer's release stores of -length and +length.
            final int length = (int)FrameDescriptor.LENGTH.getAcquire(data, offset);
            if (length < 0)
            {
                return -(long)length <= remaining ? null
                    : "a claim of " + -(long)length + " bytes runs past the end of the segment";
            }
            if (length == 0)
            {
                return "no frame starts there";
            }
            final int word = data.get(FrameDescriptor.INT, offset + FrameDescriptor.TYPE_OFFSET);
            final String layout = FrameDescriptor.checkFrame(length, word, remaining);
            if (layout != null)
            {
                return layout;
            }
            final int stored = data.get(FrameDescriptor.INT, offset + FrameDescriptor.CHECKSUM_OFFSET);
            return stored == FrameChecks.expectedChecksum(data, segment.basePosition(), offset, length, word,
                new Checksummer()) ? null : FrameDescriptor.typeName(FrameDescriptor.typeOf(word)) + " frame of "
                + length + " bytes fails its checksum";
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

    private void checkFrame(final int length, final int word, final long remaining)
    {
        final String problem = FrameDescriptor.checkFrame(length, word, remaining);
        if (problem != null)
        {
            throw corrupt(problem);
        }
        if (verifyChecksums)
        {
            final int stored = data.get(FrameDescriptor.INT, offset + FrameDescriptor.CHECKSUM_OFFSET);
            final int expected = FrameChecks.expectedChecksum(data, segment.basePosition(), offset, length, word,
                checksummer);
            if (stored != expected)
            {
                throw corrupt(String.format("%s frame checksum mismatch: stored 0x%08x, computed 0x%08x",
                    FrameDescriptor.typeName(FrameDescriptor.typeOf(word)), stored, expected));
            }
        }
    }

    private ShardwalException corrupt(final String problem)
    {
        return new ShardwalException(ShardwalException.Category.CORRUPT, problem + " at position "
            + (segment.basePosition() + offset), segment.file(), SegmentDescriptor.DATA_OFFSET + offset);
    }
}
