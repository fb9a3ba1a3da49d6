package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.FLAG_DISPLACED;
import static io.shardwal.index.IndexDescriptor.FLAG_REMOVED;
import static io.shardwal.index.IndexDescriptor.INT;
import static io.shardwal.index.IndexDescriptor.LONG;
import static io.shardwal.index.IndexDescriptor.NAME_CREATED_SEQ_OFFSET;
import static io.shardwal.index.IndexDescriptor.NAME_ENTRY_LENGTH;
import static io.shardwal.index.IndexDescriptor.NAME_STRING_OFFSET;
import static io.shardwal.index.IndexDescriptor.NAME_VALUES_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_BITMAP_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_CREATED_SEQ_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_ENTRY_LENGTH;
import static io.shardwal.index.IndexDescriptor.PAIR_NAME_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_NAME_STRING_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_POSTINGS_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_REMOVED_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_VALUE_BYTES_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_VALUE_LENGTH_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_VALUE_OFFSET;
import static io.shardwal.index.IndexDescriptor.SERIES_ADD_SEQ_OFFSET;
import static io.shardwal.index.IndexDescriptor.SERIES_ENTRY_LENGTH;
import static io.shardwal.index.IndexDescriptor.SERIES_ID_OFFSET;
import static io.shardwal.index.IndexDescriptor.SERIES_RECORD_OFFSET;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Long2LongHashMap;

/**
 * Everything one shard stores: the series table (id, add sequence and record per ordinal), series records, interned
 * strings, label names and label pairs with their postings (sorted ordinals), all off-heap in one {@link SlabArena},
 * addressed through Agrona primitive maps. The heap grows per series only by the id map's primitive arrays: an
 * {@link Int2IntHashMap} from the low 32 bits of a series id to its ordinal (8 bytes per slot); the rare ids whose low
 * halves collide within the shard go to a small {@link Long2LongHashMap}. Per label pair (not per series) the heap
 * holds one slot of the pair map.
 *
 * <p>Removal marks the series {@code REMOVED} and keeps it, and its postings entries, until {@link IndexShard}
 * rebuilds the storage; queries skip such series by the snapshot rule (see {@link ShardedIndex}).
 *
 * <p>Not thread-safe: {@link IndexShard}'s lock guards every method (write lock for mutators).
 */
final class ShardStorage implements AutoCloseable
{
    static final int MISSING = -1;
    /** Record addresses have 40 bits: slab index below 2^(40 - SLAB_SHIFT). */
    private static final int MAX_SLABS = 1 << (40 - IndexDescriptor.SLAB_SHIFT);
    private static final int ID_MAP_BITS = 6;
    private static final int ID_MAPS = 1 << ID_MAP_BITS;
    private static final AtomicLong OWNERS = new AtomicLong();

    final SlabArena general;
    final StringTable strings;
    final EntryTable series;
    final EntryTable names;
    final EntryTable pairs;
    final LabelCache cache = new LabelCache();
    final DenseBitmaps bitmaps;
    /** Unique in the JVM: names this storage's pair ids in the threads' {@link LabelBytes} (never 0). */
    final long owner = OWNERS.incrementAndGet();
    private final Int2IntHashMap nameIndex = new Int2IntHashMap(64, 0.65f, MISSING);
    private final Long2LongHashMap pairIndex = new Long2LongHashMap(64, 0.65f, MISSING);
    /**
     * Id (low 32 bits) to ordinal, split by the top bits of the key into {@link #ID_MAPS} maps so that no array gets
     * large enough to become a G1 humongous object (which would be rounded up to whole regions).
     */
    private final Int2IntHashMap[] idIndex = new Int2IntHashMap[ID_MAPS];
    private final Long2LongHashMap idOverflow = new Long2LongHashMap(16, 0.65f, MISSING);
    final Long2LongHashMap removedSeq = new Long2LongHashMap(16, 0.65f, MISSING);
    private int[] pairScratch = new int[16];
    int liveSeries;
    int displacedSeries;
    long postingsEntries;
    /**
     * The largest add or removal number applied to this storage (kept across rebuilds): a snapshot at or past it sees
     * the storage as it is now, so a listing can trust the pairs' live counts ({@link LabelListing}).
     */
    long lastSeq;

    ShardStorage(final IndexOptions options)
    {
        general = new SlabArena(options.initialSlabBytes(), true, MAX_SLABS);
        strings = new StringTable(general);
        series = new EntryTable(general, SERIES_ENTRY_LENGTH);
        names = new EntryTable(general, NAME_ENTRY_LENGTH);
        pairs = new EntryTable(general, PAIR_ENTRY_LENGTH);
        bitmaps = new DenseBitmaps(general, options.bitmapMinEntries());
        final int perMap = (int)Math.min(1 << 24, (long)(options.expectedSeriesPerShard() / 0.65 / ID_MAPS) + 1);
        try
        {
            for (int i = 0; i < ID_MAPS; i++)
            {
                idIndex[i] = new Int2IntHashMap(Math.max(8, perMap), 0.65f, MISSING);
            }
        }
        catch (final RuntimeException | Error e)
        {
            general.close(); // the id maps are on the heap and may not fit; the slab would be lost with this object
            throw e;
        }
    }

    // ---------------------------------------------------------------- series ids

    private Int2IntHashMap idMap(final long id)
    {
        return idIndex[(int)id >>> (32 - ID_MAP_BITS)];
    }

    /** The ordinal of live series {@code id}, or MISSING. */
    int ordinalOf(final long id)
    {
        final int ordinal = idMap(id).get((int)id);
        if (ordinal != MISSING && seriesId(ordinal) == id)
        {
            return ordinal;
        }
        if (!idOverflow.isEmpty())
        {
            final long overflow = idOverflow.get(id);
            if (overflow != MISSING)
            {
                return (int)overflow;
            }
        }
        return MISSING;
    }

    /**
     * Looks for {@code labels} along the collision sequence of {@code hash}. Returns the candidate index k (the series
     * id is {@code hash} advanced k times) if found, otherwise {@code -1 - k} for the first free candidate, or
     * {@code -1 - MAX_CANDIDATES} if none is free.
     */
    int probe(final long hash, final LabelBytes labels, final Labels source)
    {
        long id = hash;
        int firstFree = SeriesIds.MAX_CANDIDATES;
        for (int k = 0; k < SeriesIds.MAX_CANDIDATES; k++)
        {
            final int ordinal = ordinalOf(id);
            if (ordinal == MISSING)
            {
                if (firstFree == SeriesIds.MAX_CANDIDATES)
                {
                    firstFree = k;
                }
                if (displacedSeries == 0)
                {
                    break; // nothing lives away from its canonical id, so the sequence ends here
                }
            }
            else if (recordMatches(ordinal, labels, source))
            {
                return k;
            }
            id = SeriesIds.next(id);
        }
        return -1 - firstFree;
    }

    long seriesId(final int ordinal)
    {
        return general.getLong(series.address(ordinal) + SERIES_ID_OFFSET);
    }

    long addSeq(final int ordinal)
    {
        return general.getLong(series.address(ordinal) + SERIES_ADD_SEQ_OFFSET);
    }

    /** The record word of series {@code ordinal}: record address, label count and flags. */
    long recordWord(final int ordinal)
    {
        return general.getLong(series.address(ordinal) + SERIES_RECORD_OFFSET);
    }

    /** Number of series ever added to this storage (live or removed): ordinals are below it. */
    int ordinals()
    {
        return series.size();
    }

    // ---------------------------------------------------------------- mutation

    /**
     * Adds a series that is not yet present; returns its ordinal. {@code source} (may be null) feeds the cache.
     *
     * <p>All or nothing: if a step throws (an {@link IndexCapacityException} from the arena, or an error from a map
     * growing on the heap), what the earlier steps changed is undone ({@link #undoInsert}) before the exception goes
     * on, so queries, listings, lookups and counts answer as before; only the memory the add had taken stays held.
     * Undoing rather than reserving up front keeps the hot path as it is: the steps' memory needs depend on which
     * strings, pairs and chunks are new, known only once each step looks.
     */
    int insert(final long id, final long seq, final LabelBytes labels, final Labels source, final boolean displaced)
    {
        final int n = labels.count;
        if (pairScratch.length < n)
        {
            pairScratch = new int[Math.max(n, pairScratch.length * 2)];
        }
        final int[] pairIds = pairScratch;
        final int ordinal = series.size();
        final int stringsBefore = strings.size();
        final int namesBefore = names.size();
        final int pairsBefore = pairs.size();
        int resolved = 0;
        int listed = 0;
        try
        {
            for (; resolved < n; resolved++)
            {
                final int i = resolved;
                if (source != null)
                {
                    final int known = labels.knownPair(i, owner);
                    if (known >= 0)
                    {
                        pairIds[i] = known; // this thread resolved the label here before: no cache or map lookup
                        continue;
                    }
                }
                int pair = source == null ? MISSING : cache.pair(source.name(i), source.value(i));
                if (pair == MISSING)
                {
                    final int nameString = strings.intern(labels.segment, labels.nameOffset(i),
                        labels.nameLength(i), labels.nameHash(i));
                    final int valueString = strings.intern(labels.segment, labels.valueOffset(i),
                        labels.valueLength(i), labels.valueHash(i));
                    pair = pairFor(nameString, valueString, seq);
                    if (source != null)
                    {
                        cache.putPair(source.name(i), source.value(i), pair);
                        cache.putName(source.name(i), general.getInt(pairs.address(pair) + PAIR_NAME_OFFSET));
                    }
                }
                pairIds[i] = pair;
                if (source != null)
                {
                    labels.rememberPair(i, owner, pair);
                }
            }
            final long record = general.allocateBump(IndexDescriptor.recordLength(n));
            MemorySegment.copy(pairIds, 0, general.slab(record), INT, SlabArena.offset(record), n);
            series.append(); // == ordinal
            final long entry = series.address(ordinal);
            final MemorySegment slab = general.slab(entry);
            final long o = SlabArena.offset(entry);
            slab.set(LONG, o + SERIES_ID_OFFSET, id);
            slab.set(LONG, o + SERIES_ADD_SEQ_OFFSET, seq);
            slab.set(LONG, o + SERIES_RECORD_OFFSET,
                IndexDescriptor.recordWord(record, n, displaced ? FLAG_DISPLACED : 0));
            for (; listed < n; listed++)
            {
                // the postings head and bitmap number share the pair's 64-byte entry: one slab lookup for both
                final long pair = pairs.address(pairIds[listed]);
                bitmaps.add(pair, general.slab(pair), ordinal, ordinal + 1);
            }
            final int low = (int)id;
            final Int2IntHashMap ids = idMap(id);
            if (ids.get(low) == MISSING)
            {
                ids.put(low, ordinal);
            }
            else
            {
                idOverflow.put(id, ordinal);
            }
        }
        catch (final RuntimeException | Error e)
        {
            undoInsert(id, ordinal, resolved, listed, labels, source, stringsBefore, namesBefore, pairsBefore);
            throw e;
        }
        liveSeries++;
        if (displaced)
        {
            displacedSeries++;
        }
        postingsEntries += n;
        lastSeq = Math.max(lastSeq, seq);
        return ordinal;
    }

    /**
     * Undoes a failed {@link #insert} of series {@code id} at {@code ordinal}, newest step first: its id mapping, its
     * postings entries or bits for its first {@code listed} labels and for the one that failed (a live count follows
     * the postings'), its series entry, and the pairs, names and strings it created, which also leave the caches.
     * Frees chunks and blocks but allocates nothing, so it cannot fail for want of memory itself.
     */
    private void undoInsert(final long id, final int ordinal, final int resolved, final int listed,
        final LabelBytes labels, final Labels source, final int stringsBefore, final int namesBefore,
        final int pairsBefore)
    {
        if (idMap(id).get((int)id) == ordinal)
        {
            idMap(id).remove((int)id);
        }
        if (idOverflow.get(id) == ordinal)
        {
            idOverflow.remove(id);
        }
        if (series.size() > ordinal)
        {
            for (int i = 0; i <= listed && i < labels.count; i++)
            {
                bitmaps.undoAdd(pairs.address(pairScratch[i]), ordinal); // the live count follows the postings'
            }
            series.truncate(ordinal);
        }
        for (int i = 0; source != null && i < resolved; i++)
        {
            if (pairScratch[i] >= pairsBefore)
            {
                labels.forgetPair(i);
            }
        }
        if (pairs.size() > pairsBefore || names.size() > namesBefore)
        {
            cache.forgetFrom(pairsBefore, namesBefore);
        }
        for (int pair = pairs.size() - 1; pair >= pairsBefore; pair--)
        {
            final long entry = pairs.address(pair);
            final long key = ((long)general.getInt(entry + PAIR_NAME_STRING_OFFSET) << 32) |
                (general.getInt(entry + PAIR_VALUE_OFFSET) & 0xFFFF_FFFFL);
            if (pairIndex.get(key) == pair)
            {
                pairIndex.remove(key);
            }
            ValueList.removeLast(general, nameValuesHead(general.getInt(entry + PAIR_NAME_OFFSET)), pair);
            bitmaps.dropIfAny(entry);
            Postings.clear(general, entry + PAIR_POSTINGS_OFFSET);
        }
        pairs.truncate(pairsBefore);
        for (int name = names.size() - 1; name >= namesBefore; name--)
        {
            final int nameString = nameString(name);
            if (nameIndex.get(nameString) == name)
            {
                nameIndex.remove(nameString);
            }
        }
        names.truncate(namesBefore);
        strings.truncate(stringsBefore);
    }

    /** Marks live series {@code ordinal} removed at {@code seq}; its record and postings stay until a rebuild. */
    void remove(final long id, final int ordinal, final long seq)
    {
        // first the one step that can fail (the map growing on the heap); an insert that fails still leaves the key
        try
        {
            removedSeq.put(ordinal, seq);
        }
        catch (final RuntimeException | Error e)
        {
            removedSeq.remove(ordinal);
            throw e;
        }
        final long entry = series.address(ordinal);
        final long word = general.getLong(entry + SERIES_RECORD_OFFSET);
        general.putLong(entry + SERIES_RECORD_OFFSET, word | ((long)FLAG_REMOVED << IndexDescriptor.FLAGS_SHIFT));
        final long record = IndexDescriptor.recordAddress(word);
        final int n = IndexDescriptor.labelCount(word);
        for (int i = 0; i < n; i++)
        {
            final long pair = pairs.address(general.getInt(record + 4L * i));
            general.putInt(pair + PAIR_REMOVED_OFFSET, general.getInt(pair + PAIR_REMOVED_OFFSET) + 1);
        }
        if (idMap(id).get((int)id) == ordinal)
        {
            idMap(id).remove((int)id);
        }
        else
        {
            idOverflow.remove(id);
        }
        lastSeq = Math.max(lastSeq, seq);
        liveSeries--;
        if ((IndexDescriptor.flags(word) & FLAG_DISPLACED) != 0)
        {
            displacedSeries--;
        }
    }

    private int pairFor(final int nameString, final int valueString, final long seq)
    {
        final long key = ((long)nameString << 32) | (valueString & 0xFFFF_FFFFL);
        final long existing = pairIndex.get(key);
        if (existing != MISSING)
        {
            return (int)existing;
        }
        int name = nameIndex.get(nameString);
        if (name == MISSING)
        {
            name = names.append();
            final long entry = names.address(name);
            general.putInt(entry + NAME_STRING_OFFSET, nameString);
            general.putLong(entry + NAME_CREATED_SEQ_OFFSET, seq);
            nameIndex.put(nameString, name);
        }
        final int pair = pairs.append();
        final long entry = pairs.address(pair);
        general.putInt(entry + PAIR_NAME_OFFSET, name);
        general.putInt(entry + PAIR_VALUE_OFFSET, valueString);
        general.putInt(entry + PAIR_NAME_STRING_OFFSET, nameString);
        general.putLong(entry + PAIR_CREATED_SEQ_OFFSET, seq);
        general.putLong(entry + PAIR_VALUE_BYTES_OFFSET, strings.bytesAddress(valueString));
        general.putInt(entry + PAIR_VALUE_LENGTH_OFFSET, strings.length(valueString));
        general.putInt(entry + PAIR_BITMAP_OFFSET, 0);
        final long bytes = strings.bytesAddress(valueString);
        final int length = strings.length(valueString);
        ValueList.append(general, names.address(name) + NAME_VALUES_OFFSET, pair, length,
            ValueList.key(general.slab(bytes), SlabArena.offset(bytes), length));
        pairIndex.put(key, pair);
        return pair;
    }

    // ---------------------------------------------------------------- reading

    /** Whether series {@code ordinal} has exactly {@code labels} (whose strings are {@code source}, or null). */
    boolean recordMatches(final int ordinal, final LabelBytes labels, final Labels source)
    {
        final long word = recordWord(ordinal);
        final int n = IndexDescriptor.labelCount(word);
        if (n != labels.count)
        {
            return false;
        }
        final long record = IndexDescriptor.recordAddress(word);
        final MemorySegment slab = general.slab(record);
        final long o = SlabArena.offset(record);
        for (int i = 0; i < n; i++)
        {
            final int pairId = slab.get(INT, o + 4L * i);
            if (source == null)
            {
                if (!pairEquals(pairId, labels, i))
                {
                    return false;
                }
                continue;
            }
            final String name = source.name(i);
            final String value = source.value(i);
            if (labels.knownPair(i, owner) == pairId)
            {
                continue;
            }
            final int cached = cache.pair(name, value);
            if (cached != MISSING ? cached != pairId : !pairEquals(pairId, labels, i))
            {
                return false;
            }
            labels.rememberPair(i, owner, pairId);
        }
        return true;
    }

    /** Whether pair {@code pairId} has the name and value bytes of label {@code i} of {@code labels}. */
    private boolean pairEquals(final int pairId, final LabelBytes labels, final int i)
    {
        final long pair = pairs.address(pairId);
        return strings.equals(general.getInt(pair + PAIR_NAME_STRING_OFFSET),
                labels.segment, labels.nameOffset(i), labels.nameLength(i)) &&
            strings.equals(general.getInt(pair + PAIR_VALUE_OFFSET),
                labels.segment, labels.valueOffset(i), labels.valueLength(i));
    }

    /** The labels of series {@code ordinal}, decoded to heap strings. */
    Labels labelsOf(final int ordinal)
    {
        final long word = recordWord(ordinal);
        final int n = IndexDescriptor.labelCount(word);
        final long record = IndexDescriptor.recordAddress(word);
        final String[] labelNames = new String[n];
        final String[] labelValues = new String[n];
        for (int i = 0; i < n; i++)
        {
            final long pair = pairs.address(general.getInt(record + 4L * i));
            labelNames[i] = strings.decode(general.getInt(pair + PAIR_NAME_STRING_OFFSET));
            labelValues[i] = strings.decode(general.getInt(pair + PAIR_VALUE_OFFSET));
        }
        return Labels.ofCanonical(labelNames, labelValues);
    }

    /** Loads the labels of series {@code ordinal} into {@code out} as canonical bytes (for a rebuild). */
    void loadLabels(final int ordinal, final LabelBytes out)
    {
        final long word = recordWord(ordinal);
        final int n = IndexDescriptor.labelCount(word);
        final long record = IndexDescriptor.recordAddress(word);
        out.reset(n);
        for (int i = 0; i < n; i++)
        {
            final long pair = pairs.address(general.getInt(record + 4L * i));
            out.appendStored(2 * i, strings, general.getInt(pair + PAIR_NAME_STRING_OFFSET));
            out.appendStored(2 * i + 1, strings, general.getInt(pair + PAIR_VALUE_OFFSET));
        }
    }

    /** The name index of label name {@code name} (also as UTF-8, a whole segment), or MISSING. */
    int findName(final String name, final MemorySegment bytes, final int hash)
    {
        final int cached = cache.name(name);
        if (cached != MISSING)
        {
            return cached;
        }
        final int nameString = strings.find(bytes, 0, (int)bytes.byteSize(), hash);
        return nameString == MISSING ? MISSING : nameIndex.get(nameString);
    }

    /** The pair id of (name index, value string), or MISSING. */
    int findPair(final int name, final int valueString)
    {
        final int nameString = general.getInt(names.address(name) + NAME_STRING_OFFSET);
        return (int)pairIndex.get(((long)nameString << 32) | (valueString & 0xFFFF_FFFFL));
    }

    long nameValuesHead(final int name)
    {
        return names.address(name) + NAME_VALUES_OFFSET;
    }

    int nameString(final int name)
    {
        return general.getInt(names.address(name) + NAME_STRING_OFFSET);
    }

    long pairPostingsHead(final int pair)
    {
        return pairs.address(pair) + PAIR_POSTINGS_OFFSET;
    }

    /** The pair's {@link DenseBitmaps} number, 0 if its postings have no bitmap. */
    int pairBitmap(final int pair)
    {
        return bitmaps.of(pairs.address(pair));
    }

    int pairValueString(final int pair)
    {
        return general.getInt(pairs.address(pair) + PAIR_VALUE_OFFSET);
    }

    /** Address of the UTF-8 bytes of the pair's value. */
    long pairValueBytes(final int pair)
    {
        return general.getLong(pairs.address(pair) + PAIR_VALUE_BYTES_OFFSET);
    }

    int pairValueLength(final int pair)
    {
        return general.getInt(pairs.address(pair) + PAIR_VALUE_LENGTH_OFFSET);
    }

    int pairLiveSeries(final int pair)
    {
        final long entry = pairs.address(pair);
        return bitmaps.count(entry) - general.getInt(entry + PAIR_REMOVED_OFFSET);
    }

    long pairCreatedSeq(final int pair)
    {
        return general.getLong(pairs.address(pair) + PAIR_CREATED_SEQ_OFFSET);
    }

    /** Heap held by this storage: the primitive arrays of its maps and its chunk tables (an exact count of slots). */
    long heapBytes()
    {
        long idBytes = 0;
        for (final Int2IntHashMap map : idIndex)
        {
            idBytes += 8L * map.capacity() + 48;
        }
        return idBytes + 16L * idOverflow.capacity() + 8L * nameIndex.capacity() +
            16L * pairIndex.capacity() + 16L * removedSeq.capacity() + strings.heapBytes() + series.heapBytes() +
            names.heapBytes() + pairs.heapBytes() + general.heapBytes() + 4L * pairScratch.length +
            cache.heapBytes() + bitmaps.heapBytes() + 10 * 64;
    }

    @Override
    public void close()
    {
        general.close();
    }
}
