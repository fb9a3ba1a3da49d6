package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.FLAG_DISPLACED;
import static io.shardwal.index.IndexDescriptor.FLAG_REMOVED;
import static io.shardwal.index.IndexDescriptor.INT;
import static io.shardwal.index.IndexDescriptor.LIST_HEAD_LENGTH;
import static io.shardwal.index.IndexDescriptor.LONG;
import static io.shardwal.index.IndexDescriptor.NAME_CREATED_SEQ_OFFSET;
import static io.shardwal.index.IndexDescriptor.NAME_ENTRY_LENGTH;
import static io.shardwal.index.IndexDescriptor.NAME_STRING_OFFSET;
import static io.shardwal.index.IndexDescriptor.NAME_VALUES_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_CREATED_SEQ_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_ENTRY_LENGTH;
import static io.shardwal.index.IndexDescriptor.PAIR_LIVE_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_NAME_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_NAME_STRING_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_POSTINGS_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_VALUE_BYTES_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_VALUE_LENGTH_OFFSET;
import static io.shardwal.index.IndexDescriptor.PAIR_VALUE_OFFSET;
import static io.shardwal.index.IndexDescriptor.RECORD_ADD_SEQ_OFFSET;
import static io.shardwal.index.IndexDescriptor.RECORD_FLAGS_OFFSET;
import static io.shardwal.index.IndexDescriptor.RECORD_ID_OFFSET;
import static io.shardwal.index.IndexDescriptor.RECORD_LABEL_COUNT_OFFSET;
import static io.shardwal.index.IndexDescriptor.RECORD_PAIRS_OFFSET;
import static io.shardwal.index.IndexDescriptor.SHORT;

import java.lang.foreign.MemorySegment;

import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Long2LongHashMap;

/**
 * Everything one shard stores: series records, interned strings, label names and label pairs with their postings,
 * all off-heap in two {@link SlabArena}s (records apart, so their addresses, and thus refs, only grow), addressed
 * through Agrona primitive maps. The heap grows per series only by the id map's primitive arrays: an
 * {@link Int2IntHashMap} from the low 32 bits of a series id to its ref (8 bytes per slot); the rare ids whose low
 * halves collide within the shard go to a small {@link Long2LongHashMap}. Per label pair (not per series) the heap
 * holds one slot of the pair map.
 *
 * <p>Removal marks the record {@code REMOVED} and keeps it, and its postings entries, until {@link IndexShard}
 * rebuilds the storage; queries skip such records by the snapshot rule (see {@link ShardedIndex}).
 *
 * <p>Not thread-safe: {@link IndexShard}'s lock guards every method (write lock for mutators).
 */
final class ShardStorage implements AutoCloseable
{
    static final int MISSING = -1;
    private static final int PAIR_CACHE_SIZE = 4096;
    private static final int NAME_CACHE_SIZE = 256;

    final SlabArena general;
    final SlabArena records;
    final StringTable strings;
    final EntryTable names;
    final EntryTable pairs;
    private final Int2IntHashMap nameIndex = new Int2IntHashMap(64, 0.65f, MISSING);
    private final Long2LongHashMap pairIndex = new Long2LongHashMap(64, 0.65f, MISSING);
    private final Int2IntHashMap idIndex;
    private final Long2LongHashMap idOverflow = new Long2LongHashMap(16, 0.65f, MISSING);
    final Long2LongHashMap removedSeq = new Long2LongHashMap(16, 0.65f, MISSING);
    final long allHead;
    private int[] pairScratch = new int[16];
    /**
     * Recently used pairs by their Java strings (name at 2i, value at 2i + 1): label names and values recur, often as
     * the very same String instances, so most labels of an add skip interning and the pair map. Bounded (not per
     * series); written under the write lock only, read under either lock.
     */
    private final String[] pairCacheStrings = new String[2 * PAIR_CACHE_SIZE];
    private final int[] pairCacheIds = new int[PAIR_CACHE_SIZE];
    /** Label names by their Java strings, the same way: a query's names are found without hashing bytes. */
    private final String[] nameCacheStrings = new String[NAME_CACHE_SIZE];
    private final int[] nameCacheIds = new int[NAME_CACHE_SIZE];
    int liveSeries;
    int displacedSeries;
    long postingsEntries;
    int maxRef = -1;

    ShardStorage(final IndexOptions options)
    {
        general = new SlabArena(options.initialSlabBytes(), true, Integer.MAX_VALUE >> 1);
        SlabArena recordArena = null;
        try
        {
            recordArena = new SlabArena(options.initialSlabBytes(), false, IndexDescriptor.MAX_RECORD_SLABS);
            records = recordArena;
            strings = new StringTable(general);
            names = new EntryTable(general, NAME_ENTRY_LENGTH);
            pairs = new EntryTable(general, PAIR_ENTRY_LENGTH);
            idIndex = new Int2IntHashMap(options.expectedSeriesPerShard(), 0.65f, MISSING);
            allHead = general.allocateBump(LIST_HEAD_LENGTH);
        }
        catch (final RuntimeException | Error e)
        {
            general.close();
            if (recordArena != null)
            {
                recordArena.close();
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------- series ids

    /** The ref of live series {@code id}, or MISSING. */
    int refOf(final long id)
    {
        final int ref = idIndex.get((int)id);
        if (ref != MISSING && recordId(ref) == id)
        {
            return ref;
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
            final int ref = refOf(id);
            if (ref == MISSING)
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
            else if (recordMatches(ref, labels, source))
            {
                return k;
            }
            id = SeriesIds.next(id);
        }
        return -1 - firstFree;
    }

    long recordId(final int ref)
    {
        return records.getLong(IndexDescriptor.addressOfRef(ref) + RECORD_ID_OFFSET);
    }

    long addSeq(final int ref)
    {
        return records.getLong(IndexDescriptor.addressOfRef(ref) + RECORD_ADD_SEQ_OFFSET);
    }

    short flags(final int ref)
    {
        final long address = IndexDescriptor.addressOfRef(ref);
        return records.slab(address).get(SHORT, SlabArena.offset(address) + RECORD_FLAGS_OFFSET);
    }

    // ---------------------------------------------------------------- mutation

    /** Adds a series that is not yet present; returns its ref. {@code source} (may be null) feeds the cache. */
    int insert(final long id, final long seq, final LabelBytes labels, final Labels source, final boolean displaced)
    {
        final int n = labels.count;
        if (pairScratch.length < n)
        {
            pairScratch = new int[Math.max(n, pairScratch.length * 2)];
        }
        final int[] pairIds = pairScratch;
        for (int i = 0; i < n; i++)
        {
            int pair = source == null ? MISSING : cachedPair(source.name(i), source.value(i));
            if (pair == MISSING)
            {
                final int nameString = strings.intern(labels.segment, labels.nameOffset(i), labels.nameLength(i),
                    labels.nameHash(i));
                final int valueString = strings.intern(labels.segment, labels.valueOffset(i), labels.valueLength(i),
                    labels.valueHash(i));
                pair = pairFor(nameString, valueString, seq);
                if (source != null)
                {
                    cachePair(source.name(i), source.value(i), pair);
                    cacheName(source.name(i), general.getInt(pairs.address(pair) + PAIR_NAME_OFFSET));
                }
            }
            pairIds[i] = pair;
        }
        final long address = records.allocateBump(IndexDescriptor.recordLength(n));
        final MemorySegment slab = records.slab(address);
        final long o = SlabArena.offset(address);
        slab.set(LONG, o + RECORD_ID_OFFSET, id);
        slab.set(LONG, o + RECORD_ADD_SEQ_OFFSET, seq);
        slab.set(SHORT, o + RECORD_LABEL_COUNT_OFFSET, (short)n);
        slab.set(SHORT, o + RECORD_FLAGS_OFFSET, displaced ? FLAG_DISPLACED : 0);
        MemorySegment.copy(pairIds, 0, slab, INT, o + RECORD_PAIRS_OFFSET, n);
        final int ref = IndexDescriptor.refOf(address);
        for (int i = 0; i < n; i++)
        {
            final long pair = pairs.address(pairIds[i]);
            Postings.append(general, pair + PAIR_POSTINGS_OFFSET, ref);
            general.putInt(pair + PAIR_LIVE_OFFSET, general.getInt(pair + PAIR_LIVE_OFFSET) + 1);
        }
        Postings.append(general, allHead, ref);
        final int low = (int)id;
        if (idIndex.get(low) == MISSING)
        {
            idIndex.put(low, ref);
        }
        else
        {
            idOverflow.put(id, ref);
        }
        liveSeries++;
        if (displaced)
        {
            displacedSeries++;
        }
        postingsEntries += n + 1;
        maxRef = ref;
        return ref;
    }

    /** Marks live series {@code ref} removed at {@code seq}; its record and postings stay until a rebuild. */
    void remove(final long id, final int ref, final long seq)
    {
        final long address = IndexDescriptor.addressOfRef(ref);
        final MemorySegment slab = records.slab(address);
        final long o = SlabArena.offset(address);
        final short flags = slab.get(SHORT, o + RECORD_FLAGS_OFFSET);
        slab.set(SHORT, o + RECORD_FLAGS_OFFSET, (short)(flags | FLAG_REMOVED));
        final int n = Short.toUnsignedInt(slab.get(SHORT, o + RECORD_LABEL_COUNT_OFFSET));
        for (int i = 0; i < n; i++)
        {
            final long pair = pairs.address(slab.get(INT, o + RECORD_PAIRS_OFFSET + 4L * i));
            general.putInt(pair + PAIR_LIVE_OFFSET, general.getInt(pair + PAIR_LIVE_OFFSET) - 1);
        }
        if (idIndex.get((int)id) == ref)
        {
            idIndex.remove((int)id);
        }
        else
        {
            idOverflow.remove(id);
        }
        removedSeq.put(ref, seq);
        liveSeries--;
        if ((flags & FLAG_DISPLACED) != 0)
        {
            displacedSeries--;
        }
    }

    /** The pair id of (name, value) if recently used, else MISSING (then look it up by bytes). Any lock. */
    int cachedPair(final String name, final String value)
    {
        final int slot = pairCacheSlot(name, value);
        final String cachedName = pairCacheStrings[2 * slot];
        final String cachedValue = pairCacheStrings[2 * slot + 1];
        if ((cachedName == name || cachedName != null && cachedName.equals(name)) &&
            (cachedValue == value || cachedValue != null && cachedValue.equals(value)))
        {
            return pairCacheIds[slot];
        }
        return MISSING;
    }

    private void cachePair(final String name, final String value, final int pair)
    {
        final int slot = pairCacheSlot(name, value);
        pairCacheStrings[2 * slot] = name;
        pairCacheStrings[2 * slot + 1] = value;
        pairCacheIds[slot] = pair;
    }

    private void cacheName(final String name, final int index)
    {
        final int slot = name.hashCode() & (NAME_CACHE_SIZE - 1);
        nameCacheStrings[slot] = name;
        nameCacheIds[slot] = index;
    }

    private static int pairCacheSlot(final String name, final String value)
    {
        final int h = (name.hashCode() * 0x9E3779B1) ^ value.hashCode();
        return (h ^ (h >>> 15) ^ (h >>> 27)) & (PAIR_CACHE_SIZE - 1);
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
        final long bytes = strings.bytesAddress(valueString);
        final int length = strings.length(valueString);
        ValueList.append(general, names.address(name) + NAME_VALUES_OFFSET, pair, length,
            ValueList.key(general.slab(bytes), SlabArena.offset(bytes), length));
        pairIndex.put(key, pair);
        return pair;
    }

    // ---------------------------------------------------------------- reading

    /** Whether the record at {@code ref} has exactly {@code labels} (whose strings are {@code source}, or null). */
    boolean recordMatches(final int ref, final LabelBytes labels, final Labels source)
    {
        final long address = IndexDescriptor.addressOfRef(ref);
        final MemorySegment slab = records.slab(address);
        final long o = SlabArena.offset(address);
        final int n = Short.toUnsignedInt(slab.get(SHORT, o + RECORD_LABEL_COUNT_OFFSET));
        if (n != labels.count)
        {
            return false;
        }
        for (int i = 0; i < n; i++)
        {
            final int pairId = slab.get(INT, o + RECORD_PAIRS_OFFSET + 4L * i);
            final int cached = source == null ? MISSING : cachedPair(source.name(i), source.value(i));
            if (cached != MISSING)
            {
                if (cached != pairId)
                {
                    return false;
                }
                continue;
            }
            final long pair = pairs.address(pairId);
            if (!strings.equals(general.getInt(pair + PAIR_NAME_STRING_OFFSET),
                    labels.segment, labels.nameOffset(i), labels.nameLength(i)) ||
                !strings.equals(general.getInt(pair + PAIR_VALUE_OFFSET),
                    labels.segment, labels.valueOffset(i), labels.valueLength(i)))
            {
                return false;
            }
        }
        return true;
    }

    /** The labels of the record at {@code ref}, decoded to heap strings. */
    Labels labelsOf(final int ref)
    {
        final long address = IndexDescriptor.addressOfRef(ref);
        final int n = Short.toUnsignedInt(records.slab(address).get(SHORT,
            SlabArena.offset(address) + RECORD_LABEL_COUNT_OFFSET));
        final String[] labelNames = new String[n];
        final String[] labelValues = new String[n];
        for (int i = 0; i < n; i++)
        {
            final long pair = pairs.address(records.getInt(address + RECORD_PAIRS_OFFSET + 4L * i));
            labelNames[i] = strings.decode(general.getInt(pair + PAIR_NAME_STRING_OFFSET));
            labelValues[i] = strings.decode(general.getInt(pair + PAIR_VALUE_OFFSET));
        }
        return Labels.ofCanonical(labelNames, labelValues);
    }

    /** Loads the labels of the record at {@code ref} into {@code out} as canonical bytes (for a rebuild). */
    void loadLabels(final int ref, final LabelBytes out)
    {
        final long address = IndexDescriptor.addressOfRef(ref);
        final int n = Short.toUnsignedInt(records.slab(address).get(SHORT,
            SlabArena.offset(address) + RECORD_LABEL_COUNT_OFFSET));
        out.reset(n);
        for (int i = 0; i < n; i++)
        {
            final long pair = pairs.address(records.getInt(address + RECORD_PAIRS_OFFSET + 4L * i));
            final int name = general.getInt(pair + PAIR_NAME_STRING_OFFSET);
            final int value = general.getInt(pair + PAIR_VALUE_OFFSET);
            out.appendStored(2 * i, strings, name);
            out.appendStored(2 * i + 1, strings, value);
        }
    }

    /** The name index of label name {@code name} (also as UTF-8, a whole segment), or MISSING. */
    int findName(final String name, final MemorySegment bytes, final int hash)
    {
        final int slot = name.hashCode() & (NAME_CACHE_SIZE - 1);
        final String cached = nameCacheStrings[slot];
        if (cached == name || cached != null && cached.equals(name))
        {
            return nameCacheIds[slot];
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
        return general.getInt(pairs.address(pair) + PAIR_LIVE_OFFSET);
    }

    long pairCreatedSeq(final int pair)
    {
        return general.getLong(pairs.address(pair) + PAIR_CREATED_SEQ_OFFSET);
    }

    /**
     * Validates the whole storage: every list's chunks, every record's structure, each pair's live count against
     * the live records that carry it, and that each live record is reachable by its id.
     *
     * @throws IllegalStateException naming the first broken invariant.
     */
    void checkIntegrity()
    {
        Postings.checkList(general, allHead);
        final int[] live = new int[pairs.size()];
        final int[] refs = new int[Postings.count(general, allHead)];
        Postings.copyTo(general, allHead, refs, 0);
        int liveCount = 0;
        for (final int ref : refs)
        {
            final long address = IndexDescriptor.addressOfRef(ref);
            IndexDescriptor.checkRecord(records.slab(address), SlabArena.offset(address), ref);
            if ((flags(ref) & FLAG_REMOVED) != 0)
            {
                continue;
            }
            liveCount++;
            if (refOf(recordId(ref)) != ref)
            {
                throw new IllegalStateException("live record at ref " + ref + " is not found by its id " +
                    SeriesIds.toString(recordId(ref)));
            }
            final int n = Short.toUnsignedInt(records.slab(address).get(SHORT,
                SlabArena.offset(address) + RECORD_LABEL_COUNT_OFFSET));
            for (int i = 0; i < n; i++)
            {
                live[records.getInt(address + RECORD_PAIRS_OFFSET + 4L * i)]++;
            }
        }
        if (liveCount != liveSeries)
        {
            throw new IllegalStateException("shard counts " + liveSeries + " live series but holds " + liveCount);
        }
        for (int pair = 0; pair < pairs.size(); pair++)
        {
            Postings.checkList(general, pairPostingsHead(pair));
            if (live[pair] != pairLiveSeries(pair))
            {
                throw new IllegalStateException("pair " + pair + " counts " + pairLiveSeries(pair) +
                    " live series but " + live[pair] + " live records carry it");
            }
        }
        for (int name = 0; name < names.size(); name++)
        {
            ValueList.checkList(general, nameValuesHead(name));
        }
    }

    /** Heap held by this storage: the primitive arrays of its maps and its chunk tables (an exact count of slots). */
    long heapBytes()
    {
        return 8L * idIndex.capacity() + 16L * idOverflow.capacity() + 8L * nameIndex.capacity() +
            16L * pairIndex.capacity() + 16L * removedSeq.capacity() + strings.heapBytes() + names.heapBytes() +
            pairs.heapBytes() + general.heapBytes() + records.heapBytes() + 4L * pairScratch.length +
            4L * pairCacheStrings.length + 4L * pairCacheIds.length + 4L * nameCacheStrings.length +
            4L * nameCacheIds.length + 10 * 64;
    }

    @Override
    public void close()
    {
        try
        {
            general.close();
        }
        finally
        {
            records.close();
        }
    }
}
