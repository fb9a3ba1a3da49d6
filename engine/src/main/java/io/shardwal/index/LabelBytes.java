package io.shardwal.index;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import io.shardwal.route.XxHash64;

/**
 * Scratch buffer holding the canonical UTF-8 encoding of one label set: for each label in name order the name bytes,
 * {@code 0xFF}, the value bytes, {@code 0xFF}. {@code 0xFF} never occurs in UTF-8, so the encoding is unambiguous and
 * its XXH64 is the series id (see {@link SeriesIds}). Each string's offset, length and a 32-bit in-memory hash are
 * kept beside the bytes so a shard can intern them without encoding again.
 *
 * <p>One instance per thread (see {@link #forThread()}); not thread-safe. Grows to the largest label set seen and
 * stays there, so steady-state adds allocate only when a new string or label enters a cache; a string longer than
 * the limit in chars is refused before it can grow the buffers.
 */
final class LabelBytes
{
    static final byte SEPARATOR = (byte)0xFF;
    private static final int CACHE_SIZE = 1024;
    private static final int CACHE_MAX_BYTES = 128;
    private static final int PAIR_CACHE_SIZE = 1024;
    private static final int PAIR_CACHE_MAX_BYTES = 160;

    private static final ThreadLocal<LabelBytes> PER_THREAD = ThreadLocal.withInitial(LabelBytes::new);

    byte[] bytes = new byte[256];
    /** A heap segment over {@link #bytes} (made once per buffer: creating one per call is not free). */
    MemorySegment segment = MemorySegment.ofArray(bytes);
    int length;
    int count;
    /** Index 2i is the name of label i, 2i + 1 its value. */
    int[] offsets = new int[32];
    int[] lengths = new int[32];
    int[] hashes = new int[32];
    /** Set by {@link IndexShard#add} when it inserted the series just encoded; read by its caller on this thread. */
    boolean inserted;
    private char[] chars = new char[64];
    /**
     * The UTF-8 of recently seen strings, by String.hashCode: label names and most values recur (often as the very
     * same String instances), so most strings are copied rather than encoded. Bounded: 1024 strings per thread.
     */
    private final String[] cacheKeys = new String[CACHE_SIZE];
    private final byte[][] cacheBytes = new byte[CACHE_SIZE][];
    /**
     * Whole labels: the encoding {@code name 0xFF value 0xFF} of recently seen (name, value) pairs, with the name's
     * length and both strings' hashes, so that a known label costs one lookup and one copy instead of two. Bounded:
     * 1024 labels per thread, each at most 160 bytes.
     */
    private final String[] pairNames = new String[PAIR_CACHE_SIZE];
    private final String[] pairValues = new String[PAIR_CACHE_SIZE];
    private final byte[][] pairBytes = new byte[PAIR_CACHE_SIZE][];
    private final int[] pairNameLengths = new int[PAIR_CACHE_SIZE];
    private final int[] pairNameHashes = new int[PAIR_CACHE_SIZE];
    private final int[] pairValueHashes = new int[PAIR_CACHE_SIZE];
    /**
     * The pair id of a cached label in one shard storage ({@link #pairOwners}: its {@code ShardStorage#owner}, 0 for
     * none), written only once that storage has resolved or checked the pair, so a re-add that finds the record's
     * pair id here needs neither the shard's label cache nor a byte comparison.
     */
    private final long[] pairOwners = new long[PAIR_CACHE_SIZE];
    private final int[] pairIds = new int[PAIR_CACHE_SIZE];
    /** The pair-cache slot that holds each label of the last {@link #encode}, or -1. */
    private int[] labelSlots = new int[16];

    static LabelBytes forThread()
    {
        return PER_THREAD.get();
    }

    /**
     * Encodes {@code labels} and returns the canonical hash, i.e. the series id before collision resolution.
     *
     * @throws IllegalArgumentException if a name or value is not valid UTF-16 (a lone surrogate) or is longer than
     *                                  {@link IndexDescriptor#MAX_STRING_BYTES} once encoded.
     */
    long encode(final Labels labels)
    {
        final int n = labels.size();
        if (n > IndexDescriptor.MAX_LABELS)
        {
            throw new IllegalArgumentException(
                "a series has at most " + IndexDescriptor.MAX_LABELS + " labels, got " + n);
        }
        ensureStrings(2 * n);
        if (labelSlots.length < n)
        {
            labelSlots = new int[Math.max(n, 2 * labelSlots.length)];
        }
        count = n;
        length = 0;
        for (int i = 0; i < n; i++)
        {
            appendLabel(i, labels.name(i), labels.value(i));
        }
        return XxHash64.hash(bytes, 0, length, SeriesIds.SEED);   // the byte[] path: ~4x a heap segment's
    }

    /** Appends label {@code i}: from the pair cache if it holds (name, value), else string by string. */
    private void appendLabel(final int i, final String name, final String value)
    {
        final int slot = LabelCache.pairHash(name, value) & (PAIR_CACHE_SIZE - 1);
        final String cachedName = pairNames[slot];
        final String cachedValue = pairValues[slot];
        if (cachedName != null && (cachedName == name || cachedName.equals(name)) &&
            (cachedValue == value || cachedValue.equals(value)))
        {
            final byte[] utf8 = pairBytes[slot];
            final int start = length;
            ensureBytes(start + utf8.length);
            System.arraycopy(utf8, 0, bytes, start, utf8.length);
            final int nameLength = pairNameLengths[slot];
            offsets[2 * i] = start;
            lengths[2 * i] = nameLength;
            hashes[2 * i] = pairNameHashes[slot];
            offsets[2 * i + 1] = start + nameLength + 1;
            lengths[2 * i + 1] = utf8.length - nameLength - 2;
            hashes[2 * i + 1] = pairValueHashes[slot];
            length = start + utf8.length;
            labelSlots[i] = slot;
            return;
        }
        labelSlots[i] = -1;
        final int start = length;
        appendString(2 * i, name, "name", name);
        appendString(2 * i + 1, value, "value", name);
        if (length - start <= PAIR_CACHE_MAX_BYTES)
        {
            pairNames[slot] = name;
            pairValues[slot] = value;
            pairBytes[slot] = Arrays.copyOfRange(bytes, start, length);
            pairNameLengths[slot] = lengths[2 * i];
            pairNameHashes[slot] = hashes[2 * i];
            pairValueHashes[slot] = hashes[2 * i + 1];
            pairOwners[slot] = 0;
            for (int k = 0; k < i; k++)
            {
                if (labelSlots[k] == slot)
                {
                    labelSlots[k] = -1; // an earlier label of this set no longer owns the slot
                }
            }
            labelSlots[i] = slot;
        }
    }

    /** The pair of storage {@code owner} that label {@code label} of the last encode is known to be, else -1. */
    int knownPair(final int label, final long owner)
    {
        final int slot = labelSlots[label];
        return slot >= 0 && pairOwners[slot] == owner ? pairIds[slot] : -1;
    }

    /** Records that label {@code label} of the last encode is pair {@code pair} of storage {@code owner}. */
    void rememberPair(final int label, final long owner, final int pair)
    {
        final int slot = labelSlots[label];
        if (slot >= 0)
        {
            pairOwners[slot] = owner;
            pairIds[slot] = pair;
        }
    }

    /** Forgets what {@link #rememberPair} recorded for label {@code label} of the last encode. */
    void forgetPair(final int label)
    {
        final int slot = labelSlots[label];
        if (slot >= 0)
        {
            pairOwners[slot] = 0;
        }
    }

    /** Starts loading {@code labelCount} labels one string at a time with {@link #appendStored}. */
    void reset(final int labelCount)
    {
        ensureStrings(2 * labelCount);
        count = labelCount;
        length = 0;
    }

    /** Appends string {@code id} of {@code strings} (already valid UTF-8) into {@code slot}. */
    void appendStored(final int slot, final StringTable strings, final int id)
    {
        final int len = strings.length(id);
        ensureBytes(length + len + 1);
        strings.copyBytes(id, bytes, length);
        offsets[slot] = length;
        lengths[slot] = len;
        hashes[slot] = strings.hash(id);
        length += len;
        bytes[length++] = SEPARATOR;
    }

    int nameOffset(final int label)
    {
        return offsets[2 * label];
    }

    int nameLength(final int label)
    {
        return lengths[2 * label];
    }

    int nameHash(final int label)
    {
        return hashes[2 * label];
    }

    int valueOffset(final int label)
    {
        return offsets[2 * label + 1];
    }

    int valueLength(final int label)
    {
        return lengths[2 * label + 1];
    }

    int valueHash(final int label)
    {
        return hashes[2 * label + 1];
    }

    /** The in-memory hash of a string: well mixed, cheap (String caches its hashCode), never persisted. */
    static int hash32(final String s)
    {
        return hash32(s.hashCode());
    }

    private static int hash32(final int hashCode)
    {
        int h = hashCode;
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h;
    }

    private void ensureStrings(final int strings)
    {
        if (offsets.length < strings)
        {
            final int size = Math.max(strings, offsets.length * 2);
            offsets = Arrays.copyOf(offsets, size);
            lengths = Arrays.copyOf(lengths, size);
            hashes = Arrays.copyOf(hashes, size);
        }
    }

    private void appendString(final int slot, final String s, final String what, final String labelName)
    {
        final int len = s.length();
        if (len > IndexDescriptor.MAX_STRING_BYTES)
        {
            // every char takes at least one byte: refuse before sizing the buffers (which the thread keeps) at 3 bytes
            // a char, and before 3 * len overflows for a string of 700 M chars
            throw tooLong(what, labelName, utf8Length(s));
        }
        ensureBytes(length + 3 * len + 1);
        final byte[] b = bytes;
        final int start = length;
        int p;
        final int h = s.hashCode(); // cached by String
        final int cacheSlot = (h ^ (h >>> 16)) & (CACHE_SIZE - 1);
        final String cached = cacheKeys[cacheSlot];
        if (cached == s || cached != null && cached.hashCode() == h && cached.equals(s))
        {
            final byte[] utf8 = cacheBytes[cacheSlot];
            System.arraycopy(utf8, 0, b, start, utf8.length);
            p = start + utf8.length;
        }
        else
        {
            p = encode(s, len, b, start, what, labelName);
            if (p - start <= CACHE_MAX_BYTES)
            {
                cacheKeys[cacheSlot] = s;
                cacheBytes[cacheSlot] = Arrays.copyOfRange(b, start, p);
            }
        }
        final int encoded = p - start;
        if (encoded > IndexDescriptor.MAX_STRING_BYTES)
        {
            throw tooLong(what, labelName, encoded);
        }
        b[p++] = SEPARATOR;
        offsets[slot] = start;
        lengths[slot] = encoded;
        hashes[slot] = hash32(h);
        length = p;
    }

    /** UTF-8 of {@code s} into {@code b} from {@code from}; returns the end. One pass, ASCII first. */
    private int encode(final String s, final int len, final byte[] b, final int from, final String what,
        final String labelName)
    {
        if (chars.length < len)
        {
            chars = new char[Math.max(len, chars.length * 2)];
        }
        final char[] c = chars;
        s.getChars(0, len, c, 0);
        for (int i = 0; i < len; i++)
        {
            final char ch = c[i];
            if (ch >= 0x80)
            {
                return encodeNonAscii(c, i, len, b, from + i, what, labelName);
            }
            b[from + i] = (byte)ch;
        }
        return from + len;
    }

    private static int encodeNonAscii(final char[] chars, final int start, final int len, final byte[] b,
        final int from, final String what, final String labelName)
    {
        int p = from;
        for (int i = start; i < len; i++)
        {
            final char c = chars[i];
            if (c < 0x80)
            {
                b[p++] = (byte)c;
            }
            else if (c < 0x800)
            {
                b[p++] = (byte)(0xC0 | (c >> 6));
                b[p++] = (byte)(0x80 | (c & 0x3F));
            }
            else if (Character.isSurrogate(c))
            {
                final int cp = codePointAt(chars, len, i, what, labelName);
                b[p++] = (byte)(0xF0 | (cp >> 18));
                b[p++] = (byte)(0x80 | ((cp >> 12) & 0x3F));
                b[p++] = (byte)(0x80 | ((cp >> 6) & 0x3F));
                b[p++] = (byte)(0x80 | (cp & 0x3F));
                i++;
            }
            else
            {
                b[p++] = (byte)(0xE0 | (c >> 12));
                b[p++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                b[p++] = (byte)(0x80 | (c & 0x3F));
            }
        }
        return p;
    }

    private static int codePointAt(
        final char[] chars, final int len, final int i, final String what, final String labelName)
    {
        final char high = chars[i];
        if (Character.isHighSurrogate(high) && i + 1 < len && Character.isLowSurrogate(chars[i + 1]))
        {
            return Character.toCodePoint(high, chars[i + 1]);
        }
        throw new IllegalArgumentException(
            "label " + what + " of '" + abbreviate(labelName) + "' is not valid UTF-16: lone surrogate U+" +
            Integer.toHexString(high).toUpperCase() + " at index " + i);
    }

    private static IllegalArgumentException tooLong(final String what, final String labelName, final long bytes)
    {
        return new IllegalArgumentException("label " + what + " of '" + abbreviate(labelName) + "' is " + bytes +
            " UTF-8 bytes; the limit is " + IndexDescriptor.MAX_STRING_BYTES);
    }

    /** The UTF-8 length of {@code s} without encoding it (a lone surrogate counts as the 3 bytes of U+FFFD). */
    private static long utf8Length(final String s)
    {
        long bytes = 0;
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (c < 0x80)
            {
                bytes++;
            }
            else if (c < 0x800)
            {
                bytes += 2;
            }
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
            {
                bytes += 4;
                i++;
            }
            else
            {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static String abbreviate(final String s)
    {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }

    private void ensureBytes(final int capacity)
    {
        if (bytes.length < capacity)
        {
            bytes = Arrays.copyOf(bytes, Math.max(capacity, bytes.length * 2));
            segment = MemorySegment.ofArray(bytes);
        }
    }
}
