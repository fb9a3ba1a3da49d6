package io.shardwal.ingest;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

import io.shardwal.index.Labels;
import io.shardwal.index.SeriesIndex;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.WalBatch;

/**
 * One batch being filled: the samples (and series definitions) that {@link Ingest} senders put into it, written to
 * the log with one {@link ShardedWal#appendBatch}. Used by one thread at a time, the one holding {@link #lock}.
 *
 * <p>Sample records live in two buffers allocated once, with one key and one value slice per slot made up front, so
 * adding a sample allocates nothing; only a series definition (once per new series) allocates its record.
 *
 * <p>A batch that fails to be written is kept as it is: {@link WalBatch} writes again only the shards' parts that
 * did not commit, so retrying neither loses nor duplicates a record. Until it is written the serializer takes no
 * new samples; {@link #failure()} says why.
 */
final class BatchingSerializer implements SeriesIndex.NewSeriesListener
{
    final ReentrantLock lock = new ReentrantLock();
    private final int number;
    private final WalBatch batch;
    private final MemorySegment[] keySlots;
    private final MemorySegment[] valueSlots;
    private final long byteBudget;
    private int samples;
    private long bytes;
    /** {@link System#nanoTime()} of the first sample of the batch, or 0 if the batch is empty; read by the flusher. */
    private volatile long firstSampleNanos;
    private volatile RuntimeException failure;
    /** Whether the index told this serializer's current add that the series is new. */
    boolean newSeries;

    BatchingSerializer(final int number, final ShardedWal wal, final int maxSignals)
    {
        this.number = number;
        this.batch = wal.newBatch();
        final MemorySegment keys = MemorySegment.ofArray(new byte[maxSignals * IngestRecords.KEY_LENGTH]);
        final MemorySegment values = MemorySegment.ofArray(new byte[maxSignals * IngestRecords.SAMPLE_VALUE_LENGTH]);
        keySlots = new MemorySegment[maxSignals];
        valueSlots = new MemorySegment[maxSignals];
        for (int i = 0; i < maxSignals; i++)
        {
            keySlots[i] = keys.asSlice((long)i * IngestRecords.KEY_LENGTH, IngestRecords.KEY_LENGTH);
            valueSlots[i] = values.asSlice((long)i * IngestRecords.SAMPLE_VALUE_LENGTH,
                IngestRecords.SAMPLE_VALUE_LENGTH);
        }
        // A shard's part of a batch is one frame that must fit a segment: keep the whole batch within one.
        byteBudget = wal.options().segmentSize() - FrameDescriptor.BATCH_HEADER_LENGTH;
    }

    @Override
    public void onNewSeries(final long id, final Labels labels)
    {
        newSeries = true;
    }

    int number()
    {
        return number;
    }

    int samples()
    {
        return samples;
    }

    boolean isFull()
    {
        return samples == keySlots.length;
    }

    /** Whether a sample, with a series definition of {@code definitionLength} bytes if >= 0, fits the batch. */
    boolean fits(final int definitionLength)
    {
        return samples < keySlots.length && bytes + framed(definitionLength) + IngestRecords.SAMPLE_FRAME_LENGTH
            <= byteBudget;
    }

    static long framed(final int definitionLength)
    {
        return definitionLength < 0 ? 0
            : FrameDescriptor.align(FrameDescriptor.dataFrameLength(IngestRecords.KEY_LENGTH, definitionLength));
    }

    long firstSampleNanos()
    {
        return firstSampleNanos;
    }

    /** Why the last write of the batch failed, while it is not written; else null. */
    RuntimeException failure()
    {
        return failure;
    }

    /**
     * Adds one sample, after the definition of its series if {@code definition} is not null. Call only when
     * {@link #fits} and not {@link #failure()}.
     */
    void add(final long id, final byte[] definition, final long timestampMillis, final double value)
    {
        if (definition != null)
        {
            final byte[] key = new byte[IngestRecords.KEY_LENGTH];
            IngestRecords.writeKey(MemorySegment.ofArray(key), 0, id);
            batch.add(key, definition);
            bytes += framed(definition.length);
        }
        final MemorySegment key = keySlots[samples];
        final MemorySegment sample = valueSlots[samples];
        IngestRecords.writeKey(key, 0, id);
        IngestRecords.writeSample(sample, 0, timestampMillis, value);
        batch.add(key, sample);
        bytes += IngestRecords.SAMPLE_FRAME_LENGTH;
        if (samples++ == 0)
        {
            firstSampleNanos = Math.max(1, System.nanoTime());
        }
    }

    /**
     * Writes the batch, if it holds anything.
     *
     * @return the number of samples written.
     * @throws RuntimeException what {@link ShardedWal#appendBatch} threw; the batch is kept for the next call.
     */
    int flush(final ShardedWal wal)
    {
        if (batch.size() == 0)
        {
            return 0;
        }
        try
        {
            wal.appendBatch(batch);
        }
        catch (final RuntimeException e)
        {
            failure = e;
            throw e;
        }
        final int written = samples;
        batch.clear();
        samples = 0;
        bytes = 0;
        firstSampleNanos = 0;
        failure = null;
        return written;
    }
}
