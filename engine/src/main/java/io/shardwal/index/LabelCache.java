package io.shardwal.index;

/**
 * Recently used label pairs and names of one shard by their Java strings: label names and values recur, often as
 * the very same String instances, so most labels of an add, a re-add or an equality matcher skip hashing bytes,
 * interning and the pair map. Direct-mapped and bounded (48 KiB of arrays per shard plus the strings it holds), so
 * it does not grow with series.
 *
 * <p>Written only under the shard's write lock, read under either lock (readers never write), so it needs no
 * synchronisation of its own. Pair ids and name indexes stay valid for the life of one {@link ShardStorage}.
 */
final class LabelCache
{
    static final int MISSING = -1;
    private static final int PAIRS = 4096;
    private static final int NAMES = 256;

    /** Name at 2i, value at 2i + 1. */
    private final String[] pairStrings = new String[2 * PAIRS];
    private final int[] pairIds = new int[PAIRS];
    private final String[] nameStrings = new String[NAMES];
    private final int[] nameIds = new int[NAMES];

    /** The pair id of (name, value), or MISSING. */
    int pair(final String name, final String value)
    {
        final int slot = pairSlot(name, value);
        final String cachedName = pairStrings[2 * slot];
        final String cachedValue = pairStrings[2 * slot + 1];
        if ((cachedName == name || cachedName != null && cachedName.equals(name)) &&
            (cachedValue == value || cachedValue != null && cachedValue.equals(value)))
        {
            return pairIds[slot];
        }
        return MISSING;
    }

    void putPair(final String name, final String value, final int pair)
    {
        final int slot = pairSlot(name, value);
        pairStrings[2 * slot] = name;
        pairStrings[2 * slot + 1] = value;
        pairIds[slot] = pair;
    }

    /** The name index of {@code name}, or MISSING. */
    int name(final String name)
    {
        final int slot = name.hashCode() & (NAMES - 1);
        final String cached = nameStrings[slot];
        return cached == name || cached != null && cached.equals(name) ? nameIds[slot] : MISSING;
    }

    void putName(final String name, final int index)
    {
        final int slot = name.hashCode() & (NAMES - 1);
        nameStrings[slot] = name;
        nameIds[slot] = index;
    }

    /** Forgets pair ids from {@code firstDropped} on and name indexes from {@code firstDroppedName} on. */
    void forgetFrom(final int firstDropped, final int firstDroppedName)
    {
        for (int slot = 0; slot < PAIRS; slot++)
        {
            if (pairStrings[2 * slot] != null && pairIds[slot] >= firstDropped)
            {
                pairStrings[2 * slot] = null;
                pairStrings[2 * slot + 1] = null;
            }
        }
        for (int slot = 0; slot < NAMES; slot++)
        {
            if (nameStrings[slot] != null && nameIds[slot] >= firstDroppedName)
            {
                nameStrings[slot] = null;
            }
        }
    }

    long heapBytes()
    {
        return 4L * (pairStrings.length + pairIds.length + nameStrings.length + nameIds.length) + 5 * 16;
    }

    private static int pairSlot(final String name, final String value)
    {
        return pairHash(name, value) & (PAIRS - 1);
    }

    /** A well-mixed hash of a (name, value) pair for direct-mapped caches; cheap, as String caches its hashCode. */
    static int pairHash(final String name, final String value)
    {
        final int h = (name.hashCode() * 0x9E3779B1) ^ value.hashCode();
        return h ^ (h >>> 15) ^ (h >>> 27);
    }
}
