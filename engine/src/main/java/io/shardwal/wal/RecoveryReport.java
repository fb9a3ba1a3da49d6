package io.shardwal.wal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What opening a log found and repaired, shard by shard. Nothing is repaired silently: every dead claim, gap,
 * damaged frame, torn batch or torn tail that recovery set aside or cut is listed with its shard, position, size
 * and reason, and the report is logged in one line when the log opens.
 *
 * @param previousStop how the previous writer stopped: NONE (new log, or its creation did not finish), CLEAN,
 *                     PROCESS_CRASH or POSSIBLE_OS_CRASH.
 * @param repairs      every repair, in shard and position order.
 * @param shards       per shard: where the scan started (the latest checkpoint) and where valid data ends.
 */
public record RecoveryReport(Path directory, String previousStop, List<Repair> repairs, List<ShardRecovery> shards,
    Duration took)
{
    /** The {@link Repair#shard()} of repairs of {@code checkpoints.log}, where the position is a file offset. */
    public static final int CHECKPOINT_LOG = -1;

    /**
     * One thing recovery did. {@code kind} is one of the scanner's kinds, INTERRUPTED_CREATION, or (with shard
     * {@link #CHECKPOINT_LOG}) a checkpoint-log kind: TORN_TAIL, DAMAGED_ENTRY, DUPLICATE_ID, STALE_HEAD,
     * INTERRUPTED_COMPACTION, INTERRUPTED_HEAD_UPDATE.
     */
    public record Repair(int shard, long position, long bytes, String kind, String detail, Path file)
    {
        @Override
        public String toString()
        {
            return (shard == CHECKPOINT_LOG ? "checkpoints.log " + kind + " at offset "
                : "shard " + shard + " " + kind + " at position ") + position + " (" + bytes + " bytes, "
                + file.getFileName() + "): " + detail;
        }
    }

    /** One shard's recovery: scanned from {@code scannedFrom} to {@code validEnd}, finding {@code records}. */
    public record ShardRecovery(int shard, long scannedFrom, long validEnd, long records, int segmentsScanned)
    {
    }

    public boolean clean()
    {
        return repairs.isEmpty();
    }

    /** The one log line. */
    public String summary()
    {
        long records = 0;
        long scanned = 0;
        for (final ShardRecovery shard : shards)
        {
            records += shard.records();
            scanned += shard.validEnd() - shard.scannedFrom();
        }
        final StringBuilder text = new StringBuilder("shardwal: opened ").append(directory).append(" after a ")
            .append(previousStop).append(" stop: ").append(shards.size()).append(" shards, scanned ").append(scanned)
            .append(" bytes (").append(records).append(" records) in ").append(took.toMillis()).append(" ms, ");
        if (repairs.isEmpty())
        {
            return text.append("nothing to repair").toString();
        }
        text.append(repairs.size()).append(repairs.size() == 1 ? " repair: " : " repairs: ");
        for (int i = 0; i < repairs.size(); i++)
        {
            text.append(i == 0 ? "" : "; ").append(repairs.get(i));
        }
        return text.toString();
    }

    @Override
    public String toString()
    {
        return summary();
    }
}
