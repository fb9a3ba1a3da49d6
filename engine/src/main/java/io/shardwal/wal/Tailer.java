package io.shardwal.wal;

import java.io.IOException;

import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.FrameHandler;
import io.shardwal.mmap.FrameReader;
import io.shardwal.mmap.FrameView;
import io.shardwal.mmap.MappedSegment;
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
 * <p><b>Threads.</b> Not thread-safe: one tailer per thread; any number of tailers per shard.
 */
public final class Tailer implements AutoCloseable, FrameHandler
{
    private final int shard;
    private final ShardSegments segments;
    private final long segmentSize;
    private final WalRecord record = new WalRecord();
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
                final int read = reader.poll(this, limit - delivered);
                delivered += read;
                position = reader.position();
                if (read == 0)
                {
                    if (!reader.isEndOfSegment())
                    {
                        break;
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

    @Override
    public void onFrame(final FrameView frame)
    {
        record.wrap(shard, frame);
        handler.onRecord(record);
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
}
