package io.shardwal.wal;

/**
 * What an acknowledged append survives. Every mode survives a kill -9 of the process (committed frames are in the
 * shared page cache); they differ in what survives an operating-system crash or power loss.
 *
 * <table>
 *   <caption>Promises</caption>
 *   <tr><th>mode</th><th>append returns after</th><th>survives OS crash / power loss</th></tr>
 *   <tr><td>{@link #STRICT}</td><td>an msync covering its frame (group commit)</td><td>yes</td></tr>
 *   <tr><td>{@link #BATCH_ONLY}</td><td>batches: their msync; single appends: commit</td><td>batches yes, singles
 *       no</td></tr>
 *   <tr><td>{@link #ASYNC}</td><td>commit; a background syncer msyncs every sync interval</td><td>up to the last
 *       sync</td></tr>
 * </table>
 */
public enum SyncMode
{
    /** Every append returns after an msync that covers it; concurrent appends share msync calls. */
    STRICT,
    /** {@code appendBatch} returns after its batch is msynced; single appends return on commit. */
    BATCH_ONLY,
    /** Appends return on commit; a background syncer msyncs every sync interval; {@code sync()} forces it. */
    ASYNC
}
