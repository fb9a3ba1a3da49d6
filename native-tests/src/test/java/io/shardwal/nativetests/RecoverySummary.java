package io.shardwal.nativetests;

import java.util.ArrayList;
import java.util.List;

import io.shardwal.wal.RecoveryReport;

/**
 * The comparable part of a {@link RecoveryReport} — how the previous writer stopped, where each shard's scan
 * started (the latest checkpoint) and its valid data ends, and every repair (shard, position, bytes, kind; shard
 * {@link RecoveryReport#CHECKPOINT_LOG} for repairs of {@code checkpoints.log}) — without paths and timings, so that the recovery a
 * child made of a log and the one the parent made of a copy of the same bytes can be compared. A child prints it
 * as lines ({@link #toLines}) before {@code OPENED}; the parent parses them back ({@link #parse}).
 */
record RecoverySummary(String previousStop, List<Shard> shards, List<Repair> repairs)
{
    /** One shard: {@code records} were found between {@code scannedFrom} and {@code validEnd}. */
    record Shard(int shard, long scannedFrom, long validEnd, long records)
    {
    }

    record Repair(int shard, long position, long bytes, String kind)
    {
        boolean covers(final long shardPosition)
        {
            return shardPosition >= position && shardPosition < position + bytes;
        }
    }

    static RecoverySummary of(final RecoveryReport report)
    {
        final List<Shard> shards = new ArrayList<>();
        for (final RecoveryReport.ShardRecovery shard : report.shards())
        {
            shards.add(new Shard(shard.shard(), shard.scannedFrom(), shard.validEnd(), shard.records()));
        }
        final List<Repair> repairs = new ArrayList<>();
        for (final RecoveryReport.Repair repair : report.repairs())
        {
            repairs.add(new Repair(repair.shard(), repair.position(), repair.bytes(), repair.kind()));
        }
        return new RecoverySummary(report.previousStop(), List.copyOf(shards), List.copyOf(repairs));
    }

    String toLines()
    {
        final StringBuilder text = new StringBuilder("RECOVERY ").append(previousStop).append('\n');
        for (final Shard shard : shards)
        {
            text.append("SHARD ").append(shard.shard()).append(' ').append(shard.scannedFrom()).append(' ')
                .append(shard.validEnd()).append(' ').append(shard.records()).append('\n');
        }
        for (final Repair repair : repairs)
        {
            text.append("REPAIR ").append(repair.shard()).append(' ').append(repair.position()).append(' ')
                .append(repair.bytes()).append(' ').append(repair.kind()).append('\n');
        }
        return text.toString();
    }

    /** Parses what {@link #toLines} printed, from a child's stdout lines (other lines are ignored). */
    static RecoverySummary parse(final List<String> lines)
    {
        String previousStop = null;
        final List<Shard> shards = new ArrayList<>();
        final List<Repair> repairs = new ArrayList<>();
        for (final String line : lines)
        {
            final String[] fields = line.split(" ");
            switch (fields[0])
            {
                case "RECOVERY" -> previousStop = fields[1];
                case "SHARD" -> shards.add(new Shard(Integer.parseInt(fields[1]), Long.parseLong(fields[2]),
                    Long.parseLong(fields[3]), Long.parseLong(fields[4])));
                case "REPAIR" -> repairs.add(new Repair(Integer.parseInt(fields[1]), Long.parseLong(fields[2]),
                    Long.parseLong(fields[3]), fields[4]));
                default ->
                {
                    // not part of the summary
                }
            }
        }
        return previousStop == null ? null : new RecoverySummary(previousStop, List.copyOf(shards),
            List.copyOf(repairs));
    }

    long validEnd(final int shard)
    {
        return shards.get(shard).validEnd();
    }
}
