package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.FLAG_REMOVED;

import java.lang.foreign.MemorySegment;
import java.util.Collection;

/**
 * {@code labelNames} and {@code labelValues} over one shard's storage at a snapshot: a value is listed iff some series
 * carrying it is visible at the snapshot (added at or before it and not removed at or before it, the rule of
 * {@link ShardedIndex}), a name iff one of its values is. A pair's live count tells whether a series carries it now,
 * which is the answer at the snapshot unless the shard changed after it; then the pair's postings are walked, since a
 * pair created before the snapshot may have had no live series at it and a new one after it, or the reverse.
 *
 * <p>Stateless; the caller holds the shard's read lock and has checked that no rebuild dropped records the snapshot
 * needs ({@link IndexShard}).
 */
final class LabelListing
{
    private LabelListing()
    {
    }

    static void names(final ShardStorage storage, final long snapshot, final Collection<String> out)
    {
        final PostingsCursor cursor = new PostingsCursor();
        int[] pairs = new int[16];
        for (int name = 0; name < storage.names.size(); name++)
        {
            final long head = storage.nameValuesHead(name);
            if (pairs.length < ValueList.count(storage.general, head))
            {
                pairs = new int[ValueList.count(storage.general, head)];
            }
            final int n = ValueList.copyPairs(storage.general, head, pairs);
            for (int i = 0; i < n; i++)
            {
                if (visible(storage, cursor, pairs[i], snapshot))
                {
                    out.add(storage.strings.decode(storage.nameString(name)));
                    break;
                }
            }
        }
    }

    static void values(
        final ShardStorage storage, final String nameString, final MemorySegment nameBytes, final int nameHash,
        final long snapshot, final Collection<String> out)
    {
        final int name = storage.findName(nameString, nameBytes, nameHash);
        if (name == ShardStorage.MISSING)
        {
            return;
        }
        final PostingsCursor cursor = new PostingsCursor();
        final long head = storage.nameValuesHead(name);
        final int[] pairs = new int[ValueList.count(storage.general, head)];
        final int n = ValueList.copyPairs(storage.general, head, pairs);
        for (int i = 0; i < n; i++)
        {
            if (visible(storage, cursor, pairs[i], snapshot))
            {
                out.add(storage.strings.decode(storage.pairValueString(pairs[i])));
            }
        }
    }

    private static boolean visible(
        final ShardStorage storage, final PostingsCursor cursor, final int pair, final long snapshot)
    {
        if (storage.lastSeq <= snapshot)
        {
            return storage.pairLiveSeries(pair) > 0; // nothing changed here after the snapshot: live now is live at it
        }
        return visibleSlowPath(storage, cursor, pair, snapshot);
    }

    /**
     * Whether a series on the pair's postings is visible at the snapshot. The postings hold every series that carried
     * the pair since the last rebuild, removed ones included, in the order they were added, so the walk stops at the
     * first one added after the snapshot; it usually ends at the first entry.
     */
    private static boolean visibleSlowPath(
        final ShardStorage storage, final PostingsCursor cursor, final int pair, final long snapshot)
    {
        if (!cursor.reset(storage.bitmaps, storage.pairs.address(pair)))
        {
            return false;
        }
        do
        {
            final int ordinal = cursor.at();
            if (storage.addSeq(ordinal) > snapshot)
            {
                return false;
            }
            if ((IndexDescriptor.flags(storage.recordWord(ordinal)) & FLAG_REMOVED) == 0 ||
                storage.removedSeq.get(ordinal) > snapshot)
            {
                return true;
            }
        }
        while (cursor.next());
        return false;
    }
}
