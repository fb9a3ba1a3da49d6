package io.shardwal.index;

/**
 * How series ids are derived. A series id is the XXH64 (seed {@link #SEED}) of the canonical encoding of its labels:
 * for each label in name order the UTF-8 name, a {@code 0xFF} byte, the UTF-8 value, a {@code 0xFF} byte. The same
 * labels give the same id in every process and every version; the golden file
 * {@code src/test/resources/io/shardwal/index/series-ids.golden} pins that, so a change is a format change.
 *
 * <p>Two different label sets with the same hash (a 64-bit collision) are never merged: the later one gets the next
 * free id of the collision sequence {@code hash, next(hash), next(next(hash)), ...} ({@link #next(long)} changes only
 * the low 32 bits, so every candidate lives in the same shard). Which candidate a label set gets therefore depends on
 * what was indexed before it; a write-ahead log must record the id it was given and replay it with
 * {@link SeriesIndex#addSeries(long, Labels)}. At most {@link #MAX_CANDIDATES} label sets can share one hash.
 *
 * <p>Stateless and thread-safe.
 */
public final class SeriesIds
{
    /** The XXH64 seed of series ids. Part of the id format. */
    public static final long SEED = 0;

    /** How many label sets may share one canonical hash before adding another is refused. */
    public static final int MAX_CANDIDATES = 16;

    private SeriesIds()
    {
    }

    /**
     * The canonical hash of {@code labels}: the id they get unless it collides with another label set.
     *
     * @throws IllegalArgumentException if a label is not valid UTF-16 or longer than the string limit.
     */
    public static long hash(final Labels labels)
    {
        return LabelBytes.forThread().encode(labels);
    }

    /** The candidate after {@code id} in a collision sequence: the low 32 bits incremented, the high 32 kept. */
    public static long next(final long id)
    {
        return (id & 0xFFFF_FFFF_0000_0000L) | ((id + 1) & 0xFFFF_FFFFL);
    }

    /**
     * The position of {@code id} in the collision sequence that starts at {@code hash}, or -1 if it is not among the
     * first {@link #MAX_CANDIDATES} candidates.
     */
    public static int candidateIndex(final long hash, final long id)
    {
        if ((hash ^ id) >>> 32 != 0)
        {
            return -1;
        }
        final int distance = (int)id - (int)hash;
        return distance >= 0 && distance < MAX_CANDIDATES ? distance : -1;
    }

    /** The id in hexadecimal as it appears in error messages: {@code 0x0123456789abcdef}. */
    public static String toString(final long id)
    {
        return String.format("0x%016x", id);
    }
}
