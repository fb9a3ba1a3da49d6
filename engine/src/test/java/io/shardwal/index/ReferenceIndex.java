package io.shardwal.index;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The obviously correct model of {@link SeriesIndex} for model tests: a map from id to labels, queries by scanning
 * every series and evaluating each matcher with a freshly compiled {@link Pattern} (none of the index's shortcuts).
 * Collision handling follows the documented rule: the first free candidate of the hash's collision sequence.
 * Thread-safe by synchronisation.
 */
final class ReferenceIndex implements SeriesIndex
{
    /**
     * Prometheus' regex semantics: {@code .} matches newlines, {@code (?i)} folds case in all of Unicode, only
     * {@code \n} ends a line.
     */
    private static final int FLAGS = Pattern.DOTALL | Pattern.UNICODE_CASE | Pattern.UNIX_LINES;

    private final Map<Long, Labels> series = new HashMap<>();
    private final long hashMask;

    ReferenceIndex(final long hashMask)
    {
        this.hashMask = hashMask;
    }

    @Override
    public synchronized long addSeries(final Labels labels)
    {
        checkNonEmpty(labels);
        final long hash = SeriesIds.hash(labels) & hashMask;
        long id = hash;
        Long firstFree = null;
        for (int k = 0; k < SeriesIds.MAX_CANDIDATES; k++)
        {
            final Labels existing = series.get(id);
            if (existing == null)
            {
                firstFree = firstFree == null ? id : firstFree;
            }
            else if (existing.equals(labels))
            {
                return id;
            }
            id = SeriesIds.next(id);
        }
        if (firstFree == null)
        {
            throw new IllegalStateException("too many collisions");
        }
        series.put(firstFree, labels);
        return firstFree;
    }

    @Override
    public synchronized long addSeries(final long id, final Labels labels)
    {
        checkNonEmpty(labels);
        final long hash = SeriesIds.hash(labels) & hashMask;
        if (SeriesIds.candidateIndex(hash, id) < 0)
        {
            throw new IllegalArgumentException("not a candidate");
        }
        long candidate = hash;
        for (int k = 0; k < SeriesIds.MAX_CANDIDATES; k++)
        {
            if (labels.equals(series.get(candidate)))
            {
                if (candidate == id)
                {
                    return id;
                }
                throw new IllegalArgumentException("already indexed under another id");
            }
            candidate = SeriesIds.next(candidate);
        }
        if (series.containsKey(id))
        {
            throw new IllegalArgumentException("id taken");
        }
        series.put(id, labels);
        return id;
    }

    @Override
    public synchronized long[] findSeries(final List<Matcher> matchers)
    {
        if (matchers.isEmpty())
        {
            throw new IllegalArgumentException("no matchers");
        }
        final List<Long> ids = new ArrayList<>();
        for (final Map.Entry<Long, Labels> e : series.entrySet())
        {
            if (matchesAll(matchers, e.getValue()))
            {
                ids.add(e.getKey());
            }
        }
        return ids.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    static boolean matchesAll(final List<Matcher> matchers, final Labels labels)
    {
        for (final Matcher m : matchers)
        {
            final String value = labels.get(m.name());
            final boolean matches = switch (m.type())
            {
                case EQUAL -> value.equals(m.value());
                case NOT_EQUAL -> !value.equals(m.value());
                case REGEX -> Pattern.compile(m.value(), FLAGS).matcher(value).matches();
                case NOT_REGEX -> !Pattern.compile(m.value(), FLAGS).matcher(value).matches();
            };
            if (!matches)
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized Labels getLabels(final long id)
    {
        final Labels labels = series.get(id);
        if (labels == null)
        {
            throw new IllegalArgumentException("unknown");
        }
        return labels;
    }

    @Override
    public synchronized boolean contains(final long id)
    {
        return series.containsKey(id);
    }

    @Override
    public synchronized List<String> labelNames()
    {
        final TreeSet<String> names = new TreeSet<>();
        for (final Labels labels : series.values())
        {
            for (int i = 0; i < labels.size(); i++)
            {
                names.add(labels.name(i));
            }
        }
        return List.copyOf(names);
    }

    @Override
    public synchronized List<String> labelValues(final String name)
    {
        final TreeSet<String> values = new TreeSet<>();
        for (final Labels labels : series.values())
        {
            final String value = labels.get(name);
            if (!value.isEmpty())
            {
                values.add(value);
            }
        }
        return List.copyOf(values);
    }

    @Override
    public synchronized void removeSeries(final long id)
    {
        if (series.remove(id) == null)
        {
            throw new IllegalArgumentException("unknown");
        }
    }

    @Override
    public synchronized long seriesCount()
    {
        return series.size();
    }

    @Override
    public void close()
    {
    }

    private static void checkNonEmpty(final Labels labels)
    {
        if (labels.isEmpty())
        {
            throw new IllegalArgumentException("empty");
        }
    }
}
