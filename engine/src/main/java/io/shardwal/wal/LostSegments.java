package io.shardwal.wal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.ShardwalException;

/**
 * Tells a shard whose newest segment files were deleted from one that never had them. Both leave an unbroken chain,
 * but the writer marks a segment as rolled into the next one ({@link MappedSegment#markRolled}) only after that
 * segment's file is durable, and nothing in shardwal deletes a segment that has no successor (pruning keeps the active
 * and prepared ones, recovery and close delete none). So a newest segment carrying the mark lost its successor, and
 * every record from the mark's position on, to something else; without the check the next appends would reuse those
 * positions and the acknowledged records would be gone without a word.
 *
 * <p><b>Assumptions and guarantees.</b>
 * <ul>
 *   <li>No false alarm in any state a crash, a power cut, a full disk or a writer running meanwhile leaves: a creation
 *       that failed marks nothing, the mark reaches the disk only after the successor's directory entry did, and a
 *       listing that raced a writer (a read-only open) looks at the disk again before it accuses.</li>
 *   <li>Detection is best effort for a mark not yet durable at a power cut (it is msynced with the header page, at the
 *       latest before an acknowledged STRICT append in the successor returns); a damaged mark is no mark.</li>
 * </ul>
 */
final class LostSegments
{
    private LostSegments()
    {
    }

    /**
     * Refuses a shard whose newest segment, at {@code newest} in {@code directory}, was rolled into a next segment
     * that is missing.
     *
     * @throws ShardwalException CORRUPT naming the shard, the missing file and the positions lost.
     */
    static void refuseLostSuccessor(final int shard, final Path directory, final long newest, final long segmentSize)
    {
        final Path file = directory.resolve(ShardSegments.fileName(newest));
        final long mark;
        try
        {
            mark = MappedSegment.readRolledInto(file);
        }
        catch (final IOException | ShardwalException e)
        {
            return; // a header that does not validate (reported by whatever maps it), or a file pruned since listed
        }
        final long next = newest + segmentSize;
        final Path successor = directory.resolve(ShardSegments.fileName(next));
        // A listing may have raced a writer that rolled (its successor exists now) and pruned (then oldest first, so
        // the newest listed is gone too): only the disk as it is now accuses
        if (mark != next || Files.exists(successor) || !Files.exists(file))
        {
            return;
        }
        throw new ShardwalException(ShardwalException.Category.CORRUPT, "shard " + shard + " is missing segment "
            + successor.getFileName() + ": its newest segment " + file.getFileName() + " was rolled into it (the "
            + "writer moves on only once the next file exists), so positions [" + next + ", ...) are gone, every "
            + "record from " + next + " on; refusing to reuse them (restore the missing files)", successor,
            ShardwalException.NO_OFFSET);
    }
}
