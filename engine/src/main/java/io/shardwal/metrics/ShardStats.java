package io.shardwal.metrics;

/**
 * One shard's numbers at one moment.
 *
 * @param records           DATA records committed (counted by the committed-frontier walk).
 * @param payloadBytes      key and value bytes of those records.
 * @param committedPosition end of the contiguous committed prefix of the shard.
 * @param durablePosition   end of the prefix known to be msynced.
 * @param segmentCount      segment files of the shard (prepared ones included).
 * @param rolls             moves of the writer to the next segment.
 * @param inlinePrepares    rolls that had to create the next segment on the writer's thread.
 * @param msyncs            msync calls made.
 * @param msyncBytes        bytes those msyncs covered.
 * @param msyncFailures     msync calls that failed (the shard then refuses appends).
 * @param prepareFailures   failed attempts of the background preparer (e.g. disk full).
 * @param recoveryRepairs   repairs the last recovery made in this shard.
 */
public record ShardStats(int shard, long records, long payloadBytes, long committedPosition, long durablePosition,
    int segmentCount, long rolls, long inlinePrepares, long msyncs, long msyncBytes, long msyncFailures,
    long prepareFailures, long recoveryRepairs, LatencySummary appendLatency, LatencySummary msyncLatency,
    LatencySummary rollWaitLatency)
{
    /** Bytes committed but not yet known durable. */
    public long syncLag()
    {
        return committedPosition - durablePosition;
    }
}
