package io.shardwal.index;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One {@code findSeries} call prepared once for all shards: each matcher's name and literal values encoded to UTF-8
 * with their in-memory hashes (so every shard can look them up without encoding again), the literal prefix of its
 * regex, and a {@link RegexEvaluator}. Strings that are not valid UTF-16 cannot be stored in the index, so they are
 * encoded as {@code null} and match no stored string.
 *
 * <p>Confined to the calling thread.
 */
final class Query
{
    final Matcher[] matchers;
    final MemorySegment[] nameBytes;
    final int[] nameHashes;
    /** For = and != the value; for a regex of shape SET its literals. */
    final MemorySegment[][] literalBytes;
    final int[][] literalHashes;
    final MemorySegment[] prefixBytes;
    /** The first eight bytes of each prefix as a {@link ValueList} key. */
    final long[] prefixKeys;
    final RegexEvaluator[] evaluators;
    /** Per general regex, its results on values seen in earlier shards (null with one shard). */
    final RegexMemo[] memos;

    Query(final List<Matcher> list, final int shards)
    {
        if (list == null || list.isEmpty())
        {
            throw new IllegalArgumentException(
                "findSeries needs at least one matcher" + (list == null ? ", got null" : ""));
        }
        final int n = list.size();
        matchers = new Matcher[n];
        nameBytes = new MemorySegment[n];
        nameHashes = new int[n];
        literalBytes = new MemorySegment[n][];
        literalHashes = new int[n][];
        prefixBytes = new MemorySegment[n];
        prefixKeys = new long[n];
        evaluators = new RegexEvaluator[n];
        memos = new RegexMemo[n];
        for (int i = 0; i < n; i++)
        {
            final Matcher m = list.get(i);
            if (m == null)
            {
                throw new IllegalArgumentException("matcher " + i + " is null");
            }
            matchers[i] = m;
            nameBytes[i] = encode(m.name());
            nameHashes[i] = LabelBytes.hash32(m.name());
            final List<String> literals = m.shape == null ? List.of(m.value()) :
                m.shape.kind == RegexShape.Kind.SET ? m.shape.literals : List.of();
            literalBytes[i] = new MemorySegment[literals.size()];
            literalHashes[i] = new int[literals.size()];
            for (int j = 0; j < literals.size(); j++)
            {
                literalBytes[i][j] = encode(literals.get(j));
                literalHashes[i][j] = LabelBytes.hash32(literals.get(j));
            }
            if (m.shape != null)
            {
                prefixBytes[i] = encode(m.shape.prefix); // null: no stored value can start with it
                prefixKeys[i] = prefixBytes[i] == null ? 0 :
                    ValueList.key(prefixBytes[i], 0, (int)prefixBytes[i].byteSize());
                evaluators[i] = m.shape.kind == RegexShape.Kind.GENERAL ? new RegexEvaluator(m) : null;
                memos[i] = evaluators[i] != null && shards > 1 ? new RegexMemo() : null;
            }
        }
    }

    /** UTF-8 of {@code s} as a heap segment, or null if {@code s} has a lone surrogate (never stored). */
    static MemorySegment encode(final String s)
    {
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
            {
                i++;
            }
            else if (Character.isSurrogate(c))
            {
                return null;
            }
        }
        return MemorySegment.ofArray(s.getBytes(StandardCharsets.UTF_8));
    }
}
