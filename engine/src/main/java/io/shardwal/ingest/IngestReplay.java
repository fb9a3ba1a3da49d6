package io.shardwal.ingest;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.shardwal.index.SeriesIds;
import io.shardwal.index.SeriesIndex;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.RecordAddress;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.WalRecord;

/**
 * Rebuilds what an {@link Ingest} wrote: its series into an index, and its samples for a handler. Two passes over
 * the log (shards in parallel): the first adds every SERIES record to the index with the id it was given
 * ({@link SeriesIndex#addSeries(long, io.shardwal.index.Labels)}), the second delivers every SAMPLE. A definition may
 * have been written after some samples of its series (see {@link Ingest}), which a single pass would misread.
 *
 * <p>A sample whose series has no definition left in the log (its definition was pruned with an older segment, or
 * lost in a crash before its batch was written while the sample's batch was) is still delivered and counted in
 * {@link Result#orphanSamples()}, and one warning names the first. Records that are not ingest records fail the
 * replay with a FORMAT error naming the shard and position.
 */
public final class IngestReplay
{
    private static final System.Logger LOG = System.getLogger("io.shardwal");

    /** Receives samples; called from several threads at once (one shard each, in position order within a shard). */
    @FunctionalInterface
    public interface SampleHandler
    {
        void onSample(int shard, long position, long seriesId, long timestampMillis, double value);
    }

    /**
     * What a replay found.
     *
     * @param seriesRecords SERIES records read (a series defined twice counts twice).
     * @param samples       SAMPLE records delivered.
     * @param orphanSamples samples whose series the index does not know after the first pass.
     */
    public record Result(long seriesRecords, long samples, long orphanSamples)
    {
    }

    private IngestReplay()
    {
    }

    /**
     * Replays {@code wal} into {@code index} and {@code handler} (which may be null to rebuild the index only).
     *
     * @throws ShardwalException FORMAT naming shard and position for a record that is not an ingest record or a
     *                           definition the index refuses.
     */
    public static Result replay(final ShardedWal wal, final SeriesIndex index, final SampleHandler handler,
        final int parallelism)
    {
        Objects.requireNonNull(wal, "wal");
        Objects.requireNonNull(index, "index");
        final LongAdder definitions = new LongAdder();
        wal.replay(record ->
        {
            if (define(record, index))
            {
                definitions.increment();
            }
        }, parallelism);
        final LongAdder samples = new LongAdder();
        final LongAdder orphans = new LongAdder();
        final AtomicLong firstOrphan = new AtomicLong(-1);
        wal.replay(record ->
        {
            if (IngestRecords.type(record) == IngestRecords.SAMPLE)
            {
                final long id = IngestRecords.seriesId(record);
                if (!index.contains(id))
                {
                    orphans.increment();
                    firstOrphan.compareAndSet(-1, record.address());
                }
                samples.increment();
                if (handler != null)
                {
                    handler.onSample(record.shard(), record.position(), id, IngestRecords.timestampMillis(record),
                        IngestRecords.sampleValue(record));
                }
            }
        }, parallelism);
        final Result result = new Result(definitions.sum(), samples.sum(), orphans.sum());
        if (result.orphanSamples() > 0)
        {
            final long first = firstOrphan.get();
            LOG.log(System.Logger.Level.WARNING, "shardwal: ingest replay of " + wal.directory() + ": "
                + result.orphanSamples() + " of " + result.samples() + " samples belong to series with no definition "
                + "in the log (pruned or lost before it was written), the first at shard "
                + RecordAddress.shard(first) + " position " + RecordAddress.position(first));
        }
        return result;
    }

    /**
     * The first pass of {@link #replay} for one record, for tools that walk the log themselves: a SERIES record's
     * series is added to {@code index} with the id it was given; a SAMPLE is left alone.
     *
     * @return whether {@code record} was a definition.
     * @throws ShardwalException FORMAT naming shard and position for a record that is not an ingest record or a
     *                           definition the index refuses.
     */
    public static boolean define(final WalRecord record, final SeriesIndex index)
    {
        if (IngestRecords.type(record) != IngestRecords.SERIES)
        {
            return false;
        }
        final long id = IngestRecords.seriesId(record);
        try
        {
            index.addSeries(id, IngestRecords.labels(record));
        }
        catch (final IllegalArgumentException e)
        {
            throw new ShardwalException(ShardwalException.Category.FORMAT, "shard " + record.shard()
                + " position " + record.position() + ": the index refuses the definition of series "
                + SeriesIds.toString(id) + ": " + e.getMessage(), null, ShardwalException.NO_OFFSET, e);
        }
        return true;
    }
}
