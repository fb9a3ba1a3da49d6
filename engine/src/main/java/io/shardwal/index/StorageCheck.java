package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.FLAG_REMOVED;

/** The integrity check of a {@link ShardStorage}, apart from it because only tests and diagnostics run it. */
final class StorageCheck
{
    private StorageCheck()
    {
    }

    /**
     * Validates the whole storage: every list's chunks, every record's structure, each pair's live count against
     * the live records that carry it, that each live record is reachable by its id, and that the names'
     * value lists hold as many pairs as the shard.
     *
     * @throws IllegalStateException naming the first broken invariant.
     */
    static void check(final ShardStorage s)
    {
        final int[] live = new int[s.pairs.size()];
        int liveCount = 0;
        for (int ordinal = 0; ordinal < s.series.size(); ordinal++)
        {
            final long word = s.recordWord(ordinal);
            IndexDescriptor.checkSeries(word, ordinal, s.general);
            if ((IndexDescriptor.flags(word) & FLAG_REMOVED) != 0)
            {
                continue;
            }
            liveCount++;
            if (s.ordinalOf(s.seriesId(ordinal)) != ordinal)
            {
                throw new IllegalStateException("live series " + ordinal + " is not found by its id " +
                    SeriesIds.toString(s.seriesId(ordinal)));
            }
            final long record = IndexDescriptor.recordAddress(word);
            for (int i = 0; i < IndexDescriptor.labelCount(word); i++)
            {
                live[s.general.getInt(record + 4L * i)]++;
            }
        }
        if (liveCount != s.liveSeries)
        {
            throw new IllegalStateException("shard counts " + s.liveSeries + " live series but holds " + liveCount);
        }
        for (int pair = 0; pair < s.pairs.size(); pair++)
        {
            s.bitmaps.check(s.pairs.address(pair));
            if (live[pair] != s.pairLiveSeries(pair))
            {
                throw new IllegalStateException("pair " + pair + " counts " + s.pairLiveSeries(pair) +
                    " live series but " + live[pair] + " live records carry it");
            }
        }
        long values = 0;
        for (int name = 0; name < s.names.size(); name++)
        {
            ValueList.checkList(s.general, s.nameValuesHead(name));
            values += ValueList.count(s.general, s.nameValuesHead(name));
        }
        if (values != s.pairs.size())
        {
            throw new IllegalStateException("the names' value lists hold " + values + " pairs, the shard " +
                s.pairs.size());
        }
    }
}
