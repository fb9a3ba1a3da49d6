package io.shardwal.metrics;

/**
 * One shard's numbers at one moment.
 *
 * <p><b>In-flight bytes and stalled claims.</b> {@link #inFlightBytes()} is what writers have claimed but not yet
 * committed: the frames between the committed frontier and the claimed position. Under load it is a frame or a few
 * and changes from one snapshot to the next. A value that stays non-zero and does not shrink over several snapshots
 * means a claim that is never committed: a {@code WalClaim} that was neither committed, aborted nor closed, or a
 * writer thread stuck (or parked, or spinning) between {@code tryClaim} and {@code commit}. While it lasts, the
 * shard's committed frontier stays at {@link #committedPosition()}: tailers and replays wait there, checkpoints
 * record it for this shard (or time out waiting for the claim), and pruning cannot pass it. The writing process pads
 * over such a claim once the log's claim timeout runs out ({@link #unblockedClaims()} counts it, a WARNING names
 * it); a rising count means a code path that claims without committing (a thread dump of the writing process shows
 * a stuck writer): make it commit, or abort by closing the claim (try-with-resources). A read-only view of a log
 * whose writer died with a claim open shows the same value until the next open's recovery sets the unfinished frame
 * aside as a {@code DEAD_CLAIM} (reported, never handed to a reader).
 *
 * @param records           DATA records committed (counted by the committed-frontier walk).
 * @param payloadBytes      key and value bytes of those records.
 * @param committedPosition end of the contiguous committed prefix of the shard.
 * @param claimedPosition   end of everything writers have claimed, committed or not: where the next claim would
 *                          start (the current segment's base plus its tail counter, clamped to the segment's end
 *                          while a claim that ran past it rolls the shard). Never below the committed position.
 * @param durablePosition   end of the prefix known to be msynced.
 * @param segmentCount      segment files of the shard (prepared ones included).
 * @param rolls             moves of the writer to the next segment.
 * @param inlinePrepares    rolls that had to create the next segment on the writer's thread.
 * @param msyncs            msync calls made: one per group commit (or syncer round) that had bytes to sync, whatever
 *                          the segments they span, and one per segment header page (tail counter) forced when the
 *                          writer lets go of a segment or closes. Recovery's msyncs at open are not counted.
 * @param msyncBytes        bytes those msyncs covered (a header page counts its 4096 bytes).
 * @param msyncFailures     msync calls that failed, of data or of a header page (the shard then refuses appends).
 * @param prepareFailures   failed attempts of the background preparer (e.g. disk full).
 * @param unblockedClaims   claims padded over after they held the committed frontier for the log's claim timeout
 *                          (their writers' commits failed; see {@code WalOptions.claimTimeout}).
 * @param recoveryRepairs   repairs the last recovery made in this shard.
 */
public record ShardStats(int shard, long records, long payloadBytes, long committedPosition, long claimedPosition,
    long durablePosition, int segmentCount, long rolls, long inlinePrepares, long msyncs, long msyncBytes,
    long msyncFailures, long prepareFailures, long unblockedClaims, long recoveryRepairs, LatencySummary appendLatency,
    LatencySummary msyncLatency, LatencySummary rollWaitLatency)
{
    /** Bytes committed but not yet known durable. */
    public long syncLag()
    {
        return committedPosition - durablePosition;
    }

    /**
     * Bytes claimed but not yet committed ({@code claimedPosition - committedPosition}, never negative). Persistently
     * non-zero and not shrinking: a claim that is never committed holds the shard back (see the class comment).
     */
    public long inFlightBytes()
    {
        return Math.max(0, claimedPosition - committedPosition);
    }
}
