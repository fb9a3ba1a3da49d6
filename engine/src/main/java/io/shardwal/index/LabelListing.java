package io.shardwal.index;

import java.lang.foreign.MemorySegment;
import java.util.Collection;

/**
 * {@code labelNames} and {@code labelValues} over one shard's storage. A value is listed if some live series carries
 * it and the pair was created at or before the snapshot; a name is listed if one of its values is. (With concurrent
 * removals a pair's liveness is that of the moment the shard is read, see {@link ShardedIndex}.)
 *
 * <p>Stateless; the caller holds the shard's read lock.
 */
final class LabelListing
{
    private LabelListing()
    {
    }

    static void names(final ShardStorage storage, final long snapshot, final Collection<String> out)
    {
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
                if (visible(storage, pairs[i], snapshot))
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
        final long head = storage.nameValuesHead(name);
        final int[] pairs = new int[ValueList.count(storage.general, head)];
        final int n = ValueList.copyPairs(storage.general, head, pairs);
        for (int i = 0; i < n; i++)
        {
            if (visible(storage, pairs[i], snapshot))
            {
                out.add(storage.strings.decode(storage.pairValueString(pairs[i])));
            }
        }
    }

    private static boolean visible(final ShardStorage storage, final int pair, final long snapshot)
    {
        return storage.pairLiveSeries(pair) > 0 && storage.pairCreatedSeq(pair) <= snapshot;
    }
}
