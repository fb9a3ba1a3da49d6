package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.FLAG_REMOVED;
import static io.shardwal.index.IndexDescriptor.INT;
import static io.shardwal.index.IndexDescriptor.LONG;
import static io.shardwal.index.IndexDescriptor.SERIES_ADD_SEQ_OFFSET;
import static io.shardwal.index.IndexDescriptor.SERIES_ID_OFFSET;
import static io.shardwal.index.IndexDescriptor.SERIES_RECORD_OFFSET;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.agrona.collections.IntArrayList;
import org.agrona.collections.IntHashSet;

/**
 * Evaluates a {@link Query} on one shard, straight over the off-heap postings, the way the Prometheus head does:
 * <ol>
 *   <li>Each matcher becomes a set of label pairs: an <em>include</em> (series having one of the pairs) if it does
 *       not match {@code ""}, otherwise an <em>exclude</em> (series having one of the pairs where it fails), since a
 *       series without the label counts as having {@code ""}. Literal values and {@code a|b|c} are looked up; other
 *       regexes scan the label's values, rejecting by literal prefix before running the regex.</li>
 *   <li>The smallest include is the driver (all series if there is none), materialised as sorted ordinals: one list is
 *       copied, several are merged through a bitmap when dense or sorted and stripped of repeats when sparse (a
 *       matcher's pairs are distinct, {@link RegexShape} drops repeated literals, and a series has one value per
 *       label, so there are none; the union stays a set even if that ever changes).</li>
 *   <li>Other single-pair includes are intersected and single-pair excludes subtracted with galloping cursors over
 *       the off-heap lists; multi-pair ones become pair bitsets tested against each surviving record.</li>
 *   <li>Surviving ordinals are read once: the snapshot rule drops series added after, or removed before, the query's
 *       snapshot; the rest give their ids, sorted.</li>
 * </ol>
 *
 * <p>Confined to the calling thread, which holds the shard's read lock during {@link #run}. Reusable across the
 * shards of one query; a thread runs one query at a time and calls {@link #finish()} after it, since its arrays are
 * the thread's own, reused by its next query.
 */
final class ShardQuery
{
    private static final long[] NO_IDS = new long[0];
    /** Merge rather than gallop when the other list is at most this long ... */
    private static final int MERGE_MAX_LENGTH = 4096;
    /** ... or at most this many times longer than the candidates. */
    private static final int MERGE_RATIO = 4;
    private static final int EMPTY = 0;
    private static final int NOOP = 1;
    private static final int INCLUDE = 2;
    private static final int EXCLUDE = 3;
    private final Query query;
    private final int[] kinds;
    private final long[] totals;
    private final IntArrayList[] pairIds;
    private final PostingsCursor cursor = new PostingsCursor();
    private final IntHashSet literalStrings = new IntHashSet();
    private final QueryWorkspace workspace = QueryWorkspace.forThread();
    private int[] candidates = workspace.candidates;
    private int[] scratch = workspace.scratch;
    private int[] other = workspace.other;
    private long[][] filterBits = new long[4][];
    private boolean[] filterInclude = new boolean[4];

    ShardQuery(final Query query)
    {
        this.query = query;
        final int n = query.matchers.length;
        kinds = new int[n];
        totals = new long[n];
        pairIds = new IntArrayList[n];
        for (int i = 0; i < n; i++)
        {
            pairIds[i] = new IntArrayList();
        }
    }

    /** Ids of the series in {@code storage} that match and are visible at {@code snapshot}, ascending. */
    long[] run(final ShardStorage storage, final long snapshot)
    {
        final int n = query.matchers.length;
        for (int i = 0; i < n; i++)
        {
            resolve(storage, i);
            if (kinds[i] == EMPTY)
            {
                return NO_IDS;
            }
        }
        final int driver = chooseDriver();
        int count = driver < 0 ? allOrdinals(storage) : materialise(storage, driver);
        int filters = 0;
        for (int i = 0; i < n && count > 0; i++)
        {
            if (i == driver || kinds[i] == NOOP)
            {
                continue;
            }
            if (pairIds[i].size() == 1)
            {
                final int pair = pairIds[i].getInt(0);
                final int bitmap = storage.pairBitmap(pair);
                if (bitmap != 0)
                {
                    // a dense pair, held as a bitmap: one bit test per candidate
                    count = storage.bitmaps.filter(bitmap, candidates, count, kinds[i] == INCLUDE);
                    continue;
                }
                final long head = storage.pairPostingsHead(pair);
                final int length = Postings.count(storage.general, head);
                if (length <= MERGE_MAX_LENGTH || length <= MERGE_RATIO * (long)count)
                {
                    // short, or of similar size: one bulk copy and a plain merge beat a seek per candidate
                    count = mergeWith(storage, head, length, count, kinds[i] == INCLUDE);
                }
                else
                {
                    count = kinds[i] == INCLUDE ? intersect(storage, head, count) : subtract(storage, head, count);
                }
            }
            else
            {
                addFilter(filters++, storage, i);
            }
        }
        return collect(storage, snapshot, count, filters);
    }

    /** Hands the grown arrays back to the thread for its next query ({@link QueryWorkspace}). */
    void finish()
    {
        workspace.keep(candidates, scratch, other);
    }

    // ---------------------------------------------------------------- step 1: matchers to pairs

    private void resolve(final ShardStorage storage, final int i)
    {
        final Matcher m = query.matchers[i];
        final IntArrayList pairs = pairIds[i];
        pairs.clear();
        final boolean include = !m.matchesEmpty();
        final boolean equality = m.type() == Matcher.Type.EQUAL || m.type() == Matcher.Type.NOT_EQUAL;
        final int cached = equality ? storage.cache.pair(m.name(), m.value()) : ShardStorage.MISSING;
        final MemorySegment nameBytes = query.nameBytes[i];
        final int name = cached != ShardStorage.MISSING || nameBytes == null ? ShardStorage.MISSING :
            storage.findName(m.name(), nameBytes, query.nameHashes[i]);
        if (cached != ShardStorage.MISSING)
        {
            pairs.addInt(cached); // a recently used pair: no lookups by bytes
        }
        else if (name != ShardStorage.MISSING)
        {
            switch (m.type())
            {
                case EQUAL, NOT_EQUAL -> selectEquality(storage, i, name, m.value().isEmpty());
                case REGEX, NOT_REGEX -> selectRegex(storage, i, name, (m.type() == Matcher.Type.REGEX) == include);
            }
        }
        long total = 0;
        for (int j = 0; j < pairs.size(); j++)
        {
            total += storage.bitmaps.count(storage.pairs.address(pairs.getInt(j)));
        }
        totals[i] = total;
        kinds[i] = pairs.isEmpty() ? (include ? EMPTY : NOOP) : (include ? INCLUDE : EXCLUDE);
    }

    /** {@code =v}/{@code !=v} select pair (name, v); {@code =""}/{@code !=""} select every value of the name. */
    private void selectEquality(final ShardStorage storage, final int i, final int name, final boolean emptyValue)
    {
        if (emptyValue)
        {
            allValues(storage, name, pairIds[i]);
            return;
        }
        addLiteralPair(storage, name, query.literalBytes[i][0], query.literalHashes[i][0], pairIds[i]);
    }

    /** Selects the values of {@code name} on which the regex (not negated) returns {@code want}. */
    private void selectRegex(final ShardStorage storage, final int i, final int name, final boolean want)
    {
        final Matcher m = query.matchers[i];
        final IntArrayList pairs = pairIds[i];
        switch (m.shape.kind)
        {
            case ANY, NON_EMPTY ->
            {
                if (want)
                {
                    allValues(storage, name, pairs); // stored values are never empty
                }
            }
            case SET ->
            {
                if (want)
                {
                    for (int j = 0; j < query.literalBytes[i].length; j++)
                    {
                        addLiteralPair(storage, name, query.literalBytes[i][j], query.literalHashes[i][j], pairs);
                    }
                }
                else
                {
                    scanValuesNotIn(storage, i, name, pairs);
                }
            }
            case PREFIX, GENERAL -> scanValues(storage, i, name, want, pairs);
        }
    }

    private void scanValues(
        final ShardStorage storage, final int i, final int name, final boolean want, final IntArrayList out)
    {
        final MemorySegment prefix = query.prefixBytes[i];
        final int prefixLength = prefix == null ? 0 : (int)prefix.byteSize();
        final RegexEvaluator evaluator = query.evaluators[i];
        final RegexMemo memo = query.memos[i];
        final int values;
        if (prefixLength > 0)
        {
            // a non-empty necessary prefix: the regex cannot match "", so want is true, and only values whose first
            // bytes are the prefix's can match: narrowed by the keys of the value list, not by reading each value
            values = loadValuesWithKey(storage, name, query.prefixKeys[i], prefixLength);
        }
        else
        {
            values = loadValues(storage, name);
        }
        final boolean decidedByKey = prefixLength > 0 && prefixLength <= 8 && evaluator == null;
        for (int j = 0; j < values; j++)
        {
            final int pair = scratch[j];
            final boolean matches = prefix != null && (decidedByKey || valueMatches(storage, i, pair, evaluator, memo));
            if (matches == want)
            {
                out.addInt(pair);
            }
        }
    }

    /** The prefix (if longer than a key) and the regex (if general) on the pair's value. */
    private boolean valueMatches(final ShardStorage storage, final int i, final int pair,
        final RegexEvaluator evaluator, final RegexMemo memo)
    {
        final long address = storage.pairValueBytes(pair);
        final int length = storage.pairValueLength(pair);
        final MemorySegment prefix = query.prefixBytes[i];
        if (prefix.byteSize() > 8 && !storage.strings.startsWith(address, length, prefix))
        {
            return false;
        }
        if (evaluator == null)
        {
            return true;
        }
        final MemorySegment slab = storage.general.slab(address);
        final long offset = SlabArena.offset(address);
        final long hash = memo == null ? 0 : RegexMemo.hash(slab, offset, length);
        final int known = memo == null ? RegexMemo.UNKNOWN : memo.lookup(hash, slab, offset, length);
        if (known != RegexMemo.UNKNOWN)
        {
            return known == RegexMemo.MATCHES;
        }
        final boolean matches = evaluator.matches(slab, offset, length);
        if (memo != null)
        {
            memo.remember(hash, slab, offset, length, matches);
        }
        return matches;
    }

    private void scanValuesNotIn(final ShardStorage storage, final int i, final int name, final IntArrayList out)
    {
        literalStrings.clear();
        for (int j = 0; j < query.literalBytes[i].length; j++)
        {
            final MemorySegment literal = query.literalBytes[i][j];
            if (literal != null)
            {
                final int s = storage.strings.find(literal, 0, (int)literal.byteSize(), query.literalHashes[i][j]);
                if (s != StringTable.MISSING)
                {
                    literalStrings.add(s);
                }
            }
        }
        final int values = loadValues(storage, name);
        for (int j = 0; j < values; j++)
        {
            if (!literalStrings.contains(storage.pairValueString(scratch[j])))
            {
                out.addInt(scratch[j]);
            }
        }
    }

    private void allValues(final ShardStorage storage, final int name, final IntArrayList out)
    {
        final int values = loadValues(storage, name);
        for (int j = 0; j < values; j++)
        {
            out.addInt(scratch[j]);
        }
    }

    private static void addLiteralPair(
        final ShardStorage storage, final int name, final MemorySegment literal, final int hash, final IntArrayList out)
    {
        if (literal == null || literal.byteSize() == 0)
        {
            return; // never stored
        }
        final int value = storage.strings.find(literal, 0, (int)literal.byteSize(), hash);
        if (value != StringTable.MISSING)
        {
            final int pair = storage.findPair(name, value);
            if (pair != ShardStorage.MISSING)
            {
                out.addInt(pair);
            }
        }
    }

    /** Loads the pair ids of every value of {@code name} into {@code scratch}; returns their count. */
    private int loadValues(final ShardStorage storage, final int name)
    {
        final long head = storage.nameValuesHead(name);
        scratch = ensure(scratch, ValueList.count(storage.general, head));
        return ValueList.copyPairs(storage.general, head, scratch);
    }

    /** Loads the pair ids of the values of {@code name} whose first bytes are the prefix's; returns their count. */
    private int loadValuesWithKey(final ShardStorage storage, final int name, final long key, final int prefixLength)
    {
        final long head = storage.nameValuesHead(name);
        scratch = ensure(scratch, ValueList.count(storage.general, head));
        return ValueList.copyPairsWithKey(storage.general, head, key, ValueList.keyMask(prefixLength), prefixLength,
            scratch);
    }

    // ---------------------------------------------------------------- step 2: the driver

    private int chooseDriver()
    {
        int driver = -1;
        for (int i = 0; i < kinds.length; i++)
        {
            if (kinds[i] == INCLUDE && (driver < 0 || totals[i] < totals[driver]))
            {
                driver = i;
            }
        }
        return driver;
    }

    /** Every ordinal of the shard (removed ones are dropped by {@link #collect}). */
    private int allOrdinals(final ShardStorage storage)
    {
        final int n = storage.ordinals();
        candidates = ensure(candidates, n);
        for (int i = 0; i < n; i++)
        {
            candidates[i] = i;
        }
        return n;
    }

    private int materialise(final ShardStorage storage, final int driver)
    {
        final IntArrayList pairs = pairIds[driver];
        if (pairs.size() == 1)
        {
            candidates = ensure(candidates, (int)totals[driver]);
            return storage.bitmaps.copyTo(storage.pairs.address(pairs.getInt(0)), candidates, 0);
        }
        final long total = totals[driver];
        candidates = ensure(candidates, (int)total);
        final int universe = storage.ordinals();
        if (total * 32 >= universe)
        {
            return unionByBitmap(storage, pairs, universe);
        }
        int n = 0;
        for (int j = 0; j < pairs.size(); j++)
        {
            n += storage.bitmaps.copyTo(storage.pairs.address(pairs.getInt(j)), candidates, n);
        }
        Arrays.sort(candidates, 0, n);
        int distinct = Math.min(n, 1);
        for (int j = 1; j < n; j++)
        {
            if (candidates[j] != candidates[distinct - 1])
            {
                candidates[distinct++] = candidates[j];
            }
        }
        return distinct;
    }

    private int unionByBitmap(final ShardStorage storage, final IntArrayList pairs, final int universe)
    {
        final long[] bits = new long[(universe + 63) >>> 6];
        for (int j = 0; j < pairs.size(); j++)
        {
            if (cursor.reset(storage.bitmaps, storage.pairs.address(pairs.getInt(j))))
            {
                do
                {
                    final int ordinal = cursor.at();
                    bits[ordinal >>> 6] |= 1L << ordinal;
                }
                while (cursor.next());
            }
        }
        int n = 0;
        final int[] out = candidates;
        for (int w = 0; w < bits.length; w++)
        {
            long word = bits[w];
            while (word != 0)
            {
                out[n++] = (w << 6) + Long.numberOfTrailingZeros(word);
                word &= word - 1;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- step 3: intersect, subtract, filters

    /** Intersects ({@code keep}) or subtracts the candidates with the whole list, copied out in bulk. */
    private int mergeWith(
        final ShardStorage storage, final long head, final int length, final int count, final boolean keep)
    {
        other = ensure(other, length);
        Postings.copyTo(storage.general, head, other, 0);
        final int[] c = candidates;
        final int[] o = other;
        int n = 0;
        int k = 0;
        for (int j = 0; j < count; j++)
        {
            final int ordinal = c[j];
            k = SortedInts.gallop(o, k, length, ordinal);
            if ((k < length && o[k] == ordinal) == keep)
            {
                c[n++] = ordinal;
            }
        }
        return n;
    }

    private int intersect(final ShardStorage storage, final long head, final int count)
    {
        if (!cursor.reset(storage.general, head))
        {
            return 0;
        }
        final int[] c = candidates;
        int n = 0;
        for (int j = 0; j < count; j++)
        {
            final int ordinal = c[j];
            if (!cursor.seek(ordinal))
            {
                break;
            }
            if (cursor.at() == ordinal)
            {
                c[n++] = ordinal;
            }
        }
        return n;
    }

    private int subtract(final ShardStorage storage, final long head, final int count)
    {
        boolean more = cursor.reset(storage.general, head);
        final int[] c = candidates;
        int n = 0;
        for (int j = 0; j < count; j++)
        {
            final int ordinal = c[j];
            if (more)
            {
                more = cursor.seek(ordinal);
                if (more && cursor.at() == ordinal)
                {
                    continue;
                }
            }
            c[n++] = ordinal;
        }
        return n;
    }

    private void addFilter(final int slot, final ShardStorage storage, final int i)
    {
        if (slot == filterBits.length)
        {
            filterBits = Arrays.copyOf(filterBits, slot * 2);
            filterInclude = Arrays.copyOf(filterInclude, slot * 2);
        }
        final long[] bits = new long[(storage.pairs.size() + 63) >>> 6];
        final IntArrayList pairs = pairIds[i];
        for (int j = 0; j < pairs.size(); j++)
        {
            final int pair = pairs.getInt(j);
            bits[pair >>> 6] |= 1L << pair;
        }
        filterBits[slot] = bits;
        filterInclude[slot] = kinds[i] == INCLUDE;
    }

    // ---------------------------------------------------------------- step 4: visibility and ids

    private long[] collect(final ShardStorage storage, final long snapshot, final int count, final int filters)
    {
        final long[] ids = new long[count];
        final int[] c = candidates;
        final EntryTable series = storage.series;
        final SlabArena arena = storage.general;
        int n = 0;
        for (int j = 0; j < count; j++)
        {
            final int ordinal = c[j];
            final long entry = series.address(ordinal);
            final MemorySegment slab = arena.slab(entry);
            final long o = SlabArena.offset(entry);
            if (slab.get(LONG, o + SERIES_ADD_SEQ_OFFSET) > snapshot)
            {
                continue; // added after the snapshot
            }
            final long word = slab.get(LONG, o + SERIES_RECORD_OFFSET);
            if ((IndexDescriptor.flags(word) & FLAG_REMOVED) != 0 && storage.removedSeq.get(ordinal) <= snapshot)
            {
                continue; // removed before the snapshot
            }
            if (filters > 0 && !passesFilters(arena, word, filters))
            {
                continue;
            }
            ids[n++] = slab.get(LONG, o + SERIES_ID_OFFSET);
        }
        if (n == 0)
        {
            return NO_IDS;
        }
        Arrays.sort(ids, 0, n);
        return n == count ? ids : Arrays.copyOf(ids, n);
    }

    private boolean passesFilters(final SlabArena arena, final long recordWord, final int filters)
    {
        final int labels = IndexDescriptor.labelCount(recordWord);
        final long record = IndexDescriptor.recordAddress(recordWord);
        final MemorySegment slab = arena.slab(record);
        final long o = SlabArena.offset(record);
        for (int f = 0; f < filters; f++)
        {
            final long[] bits = filterBits[f];
            boolean hit = false;
            for (int l = 0; l < labels && !hit; l++)
            {
                final int pair = slab.get(INT, o + 4L * l);
                hit = pair >>> 6 < bits.length && (bits[pair >>> 6] & (1L << pair)) != 0;
            }
            if (hit != filterInclude[f])
            {
                return false;
            }
        }
        return true;
    }

    private static int[] ensure(final int[] array, final int size)
    {
        return array.length >= size ? array : new int[Math.max(size, array.length * 2)];
    }
}
