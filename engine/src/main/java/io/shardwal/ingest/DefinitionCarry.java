package io.shardwal.ingest;

import java.lang.foreign.MemorySegment;

import org.agrona.collections.LongHashSet;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.index.Labels;
import io.shardwal.index.SeriesIds;
import io.shardwal.index.SeriesIndex;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.wal.PruneResult;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.WalBatch;

/**
 * A prune that keeps every series defined: before {@link ShardedWal#pruneBefore} deletes the segments below a
 * checkpoint, the SERIES records in them are written again at the head of the log, so that the samples above the
 * checkpoint still find their series' labels after a restart ({@link IngestReplay}). A series is defined once in
 * the log, when it is new to the index; without this, the first prune past that record would leave every later
 * sample of the series without labels.
 *
 * <p>Steps, each safe to crash after: (1) read, in every shard (shards in parallel, with progress lines when it runs
 * long: {@link ShardedWal#replay(long[], long[], io.shardwal.wal.RecordHandler, int)}), the whole segments below the
 * checkpoint's position (a superset of what the prune deletes: it stops earlier at a segment a reader holds, or at
 * the durable frontier) and collect the ids of their SERIES records; (2) append a definition of each such series the
 * index still holds, with the labels the index gives (the ones a replay rebuilt it with);
 * (3) {@link ShardedWal#sync()}, so the new definitions are on disk before (4) the prune deletes the old ones. A crash
 * before (4) leaves two definitions of a series, which replay reads as one. A series the index no longer holds
 * (removed) is not carried; its samples above the checkpoint replay as orphans, counted by {@link IngestReplay}.
 */
final class DefinitionCarry
{
    private static final System.Logger LOG = System.getLogger("io.shardwal");
    /** Largest batch of carried definitions: one shard's part of a batch must fit a segment. */
    private static final long MAX_BATCH_BYTES = 4 << 20;

    private DefinitionCarry()
    {
    }

    static IngestPruneResult pruneBefore(final ShardedWal wal, final SeriesIndex index, final byte[] checkpointId)
    {
        final Checkpoint checkpoint = wal.loadCheckpoint(checkpointId);
        final long segmentSize = wal.options().segmentSize();
        final int shards = wal.shardCount();
        final long[] from = new long[shards];
        final long[] to = new long[shards];
        final LongHashSet[] found = new LongHashSet[shards];
        long scannedBytes = 0;
        for (int shard = 0; shard < shards; shard++)
        {
            // Segment bases are multiples of the segment size: the segments wholly below the checkpoint end here.
            final long position = checkpoint.position(shard);
            from[shard] = wal.firstPosition(shard);
            to[shard] = Math.max(from[shard], position - position % segmentSize);
            found[shard] = new LongHashSet();
            scannedBytes += to[shard] - from[shard];
        }
        // Shards in parallel, each into its own set (a shard is read by one thread at a time); long reads log progress
        wal.replay(from, to, record ->
        {
            if (IngestRecords.type(record) == IngestRecords.SERIES)
            {
                found[record.shard()].add(IngestRecords.seriesId(record));
            }
        }, Math.min(shards, Runtime.getRuntime().availableProcessors()));
        final LongHashSet defined = found[0];
        for (int shard = 1; shard < shards; shard++)
        {
            defined.addAll(found[shard]);
            found[shard] = null;
        }
        final long[] outcome = carry(wal, index, defined);
        wal.sync();
        final PruneResult pruned = wal.pruneBefore(checkpointId, Ingest.GUARD_OWNER); // the definitions are safe
        final IngestPruneResult result = new IngestPruneResult(outcome[0], outcome[1], pruned);
        LOG.log(System.Logger.Level.INFO, "shardwal: ingest prune of " + wal.directory() + " before checkpoint "
            + Checkpoint.idText(checkpointId) + ": " + scannedBytes + " bytes read, " + result.definitionsCarried()
            + " series definitions written again, " + result.definitionsDropped() + " of removed series left out, "
            + pruned.segments() + " segments (" + pruned.bytes() + " bytes) deleted");
        return result;
    }

    /** Appends a definition of every series in {@code ids} that the index holds; returns {carried, dropped}. */
    private static long[] carry(final ShardedWal wal, final SeriesIndex index, final LongHashSet ids)
    {
        final long batchBytes = Math.min(MAX_BATCH_BYTES, wal.options().segmentSize()
            - FrameDescriptor.BATCH_HEADER_LENGTH);
        final WalBatch batch = wal.newBatch();
        long bytes = 0;
        long carried = 0;
        long dropped = 0;
        final LongHashSet.LongIterator iterator = ids.iterator();
        while (iterator.hasNext())
        {
            final long id = iterator.nextValue();
            final Labels labels = labelsOrNull(index, id);
            if (labels == null)
            {
                dropped++;
                continue;
            }
            final byte[] value = IngestRecords.seriesValue(labels);
            final long frame = FrameDescriptor.align(FrameDescriptor.dataFrameLength(IngestRecords.KEY_LENGTH,
                value.length));
            if (bytes + frame > batchBytes)
            {
                wal.appendBatch(batch);
                batch.clear();
                bytes = 0;
            }
            final byte[] key = new byte[IngestRecords.KEY_LENGTH];
            IngestRecords.writeKey(MemorySegment.ofArray(key), 0, id);
            batch.add(key, value);
            bytes += frame;
            carried++;
        }
        wal.appendBatch(batch);
        return new long[] {carried, dropped};
    }

    /** The labels of series {@code id}, or null if the index no longer holds it (one lookup; removals are rare). */
    private static Labels labelsOrNull(final SeriesIndex index, final long id)
    {
        try
        {
            return index.getLabels(id);
        }
        catch (final IllegalArgumentException e)
        {
            LOG.log(System.Logger.Level.DEBUG, "shardwal: series " + SeriesIds.toString(id) + " is not in the index: "
                + "its definition is not carried", e);
            return null;
        }
    }
}
