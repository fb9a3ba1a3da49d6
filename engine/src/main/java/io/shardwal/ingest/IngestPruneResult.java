package io.shardwal.ingest;

import io.shardwal.wal.PruneResult;

/**
 * What {@link Ingest#pruneBefore} did.
 *
 * @param definitionsCarried series definitions found in the segments below the checkpoint and written again at the
 *                           head of the log.
 * @param definitionsDropped series defined there that the index no longer holds (removed), not written again.
 * @param pruned             what the log's prune deleted.
 */
public record IngestPruneResult(long definitionsCarried, long definitionsDropped, PruneResult pruned)
{
}
