package io.shardwal.wal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.mmap.FrameDescriptor;

/**
 * A small log written for damage tests, and everything known about what it holds: every record by shard and
 * position, the span of the frame (or whole batch) it lives in, the checkpoints created and where each shard's
 * records start after a prune. Tiny segments give every shard several segment files; single appends and batches
 * alternate; two checkpoints are created, the log is pruned below the first, and records follow the last one so
 * that recovery has frames to scan. A claim is aborted on the way; the crash image has one left open, as a writer
 * killed between claim and commit leaves it.
 */
final class WrittenLog
{
    static final int SHARDS = 3;
    static final long SEGMENT_SIZE = 8192;

    private final List<NavigableMap<Long, Written>> shards = new ArrayList<>();
    private final List<Checkpoint> checkpoints = new ArrayList<>();
    private final long[] firstPositions = new long[SHARDS];

    /** One record as appended; {@code unitStart}/{@code unitEnd} span its frame, or its whole batch container. */
    record Written(int shard, long position, byte[] key, byte[] value, long unitStart, long unitEnd)
    {
        boolean sameAs(final WalRecord record)
        {
            return Arrays.equals(key, record.keyBytes()) && Arrays.equals(value, record.valueBytes());
        }

        @Override
        public String toString()
        {
            return "shard " + shard + " position " + position + " (frame or batch [" + unitStart + ", " + unitEnd
                + "))";
        }
    }

    private WrittenLog()
    {
        for (int i = 0; i < SHARDS; i++)
        {
            shards.add(new TreeMap<>());
        }
    }

    static WalOptions options(final Path directory)
    {
        return WalOptions.builder(directory).shardCount(SHARDS).segmentSize(SEGMENT_SIZE).syncMode(SyncMode.ASYNC)
            .prepareAhead(0).build();
    }

    /**
     * Writes the log in {@code directory}; with {@code crashImage} non-null, also copies it there while the writer
     * still holds it (what a kill -9 leaves), after the last append. With {@code prepared}, each shard also has its
     * next segment prepared (blank) when the log closes.
     */
    static WrittenLog write(final Path directory, final Path crashImage, final boolean prepared)
    {
        final WrittenLog log = new WrittenLog();
        try (ShardedWal wal = ShardedWal.open(options(directory).toBuilder().prepareAhead(prepared ? 1 : 0).build()))
        {
            int sequence = 0;
            sequence = log.appendSome(wal, sequence, 300, 3);
            log.checkpoints.add(wal.createCheckpoint("first"));
            try (WalClaim aborted = new WalClaim())
            {
                wal.tryClaim(Records.key(2, 1, 11), 100, aborted); // padding where a record would have been
            }
            sequence = log.appendSome(wal, sequence, 120, 3);
            log.checkpoints.add(wal.createCheckpoint("second"));
            wal.pruneBefore("first".getBytes(StandardCharsets.UTF_8));
            log.appendSome(wal, sequence, 60, 2);
            for (int shard = 0; shard < SHARDS; shard++)
            {
                log.firstPositions[shard] = wal.firstPosition(shard);
                if (prepared)
                {
                    awaitNextSegment(directory, shard, wal.committedPosition(shard));
                }
            }
            if (crashImage != null)
            {
                // A writer killed between claim and commit: recovery sets the claim aside as a dead claim
                try (WalClaim claim = new WalClaim())
                {
                    wal.tryClaim(Records.key(2, 0, 11), 40, claim);
                    CrashImages.copy(directory, crashImage);
                }
            }
        }
        return log;
    }

    /** Waits for the background preparer to create the segment after the one holding {@code end}. */
    private static void awaitNextSegment(final Path directory, final int shard, final long end)
    {
        final Path next = CrashImages.segmentFile(directory, shard, end - end % SEGMENT_SIZE + SEGMENT_SIZE);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(next))
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("the preparer did not create " + next);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** Appends {@code singles} single records with {@code batches} batches of six spread among them. */
    private int appendSome(final ShardedWal wal, final int from, final int singles, final int batches)
    {
        int sequence = from;
        final int every = singles / (batches + 1);
        final WalBatch batch = wal.newBatch();
        for (int i = 0; i < singles; i++)
        {
            final byte[] key = Records.key(0, sequence, 11);
            final byte[] value = Records.value(0, sequence, 180);
            sequence++;
            final long address = wal.append(key, value);
            add(RecordAddress.shard(address), RecordAddress.position(address), key, value, -1, -1);
            if ((i + 1) % every == 0 && i + 1 < singles)
            {
                batch.clear();
                final List<byte[][]> records = new ArrayList<>();
                for (int j = 0; j < 6; j++)
                {
                    records.add(new byte[][] {Records.key(1, sequence, 11), Records.value(1, sequence, 180)});
                    batch.add(records.getLast()[0], records.getLast()[1]);
                    sequence++;
                }
                wal.appendBatch(batch);
                addBatch(batch, records);
            }
        }
        return sequence;
    }

    private void addBatch(final WalBatch batch, final List<byte[][]> records)
    {
        final long[] starts = new long[SHARDS];
        final long[] ends = new long[SHARDS];
        Arrays.fill(starts, Long.MAX_VALUE);
        for (int i = 0; i < batch.size(); i++)
        {
            final int shard = RecordAddress.shard(batch.address(i));
            final long position = RecordAddress.position(batch.address(i));
            starts[shard] = Math.min(starts[shard], position - FrameDescriptor.BATCH_HEADER_LENGTH);
            ends[shard] = Math.max(ends[shard], position + frameLength(records.get(i)[0], records.get(i)[1]));
        }
        for (int i = 0; i < batch.size(); i++)
        {
            final int shard = RecordAddress.shard(batch.address(i));
            add(shard, RecordAddress.position(batch.address(i)), records.get(i)[0], records.get(i)[1], starts[shard],
                ends[shard]);
        }
    }

    private void add(final int shard, final long position, final byte[] key, final byte[] value, final long unitStart,
        final long unitEnd)
    {
        final long start = unitStart >= 0 ? unitStart : position;
        final long end = unitEnd >= 0 ? unitEnd : position + frameLength(key, value);
        shards.get(shard).put(position, new Written(shard, position, key, value, start, end));
    }

    private static long frameLength(final byte[] key, final byte[] value)
    {
        return FrameDescriptor.align(FrameDescriptor.dataFrameLength(key.length, value.length));
    }

    /** The record written at {@code position} of {@code shard}, or null. */
    Written at(final int shard, final long position)
    {
        return shards.get(shard).get(position);
    }

    /** The records of {@code shard} still on disk after the prune, by position. */
    NavigableMap<Long, Written> onDisk(final int shard)
    {
        return shards.get(shard).tailMap(firstPositions[shard], true);
    }

    long firstPosition(final int shard)
    {
        return firstPositions[shard];
    }

    List<Checkpoint> checkpoints()
    {
        return checkpoints;
    }

    /** The checkpoint created with the id of {@code found}, or null. */
    Checkpoint created(final Checkpoint found)
    {
        for (final Checkpoint checkpoint : checkpoints)
        {
            if (Arrays.equals(checkpoint.id(), found.id()))
            {
                return checkpoint;
            }
        }
        return null;
    }

    int recordCount()
    {
        int count = 0;
        for (int shard = 0; shard < SHARDS; shard++)
        {
            count += onDisk(shard).size();
        }
        return count;
    }

    /** Every record on disk, for messages. */
    Map<Integer, Integer> countsByShard()
    {
        final Map<Integer, Integer> counts = new TreeMap<>();
        for (int shard = 0; shard < SHARDS; shard++)
        {
            counts.put(shard, onDisk(shard).size());
        }
        return counts;
    }
}
