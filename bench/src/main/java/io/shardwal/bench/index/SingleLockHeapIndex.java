package io.shardwal.bench.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

import io.shardwal.index.Labels;
import io.shardwal.index.Matcher;
import io.shardwal.index.SeriesIds;
import io.shardwal.index.SeriesIndex;

/**
 * The baseline: the Prometheus head's MemPostings design in plain Java, behind one read/write lock. Series are heap
 * objects found through a {@code HashMap} by id; postings are {@code HashMap<name, HashMap<value, int list>>} of
 * series refs that only grow (so appends keep lists sorted), as in {@code tsdb/index/postings.go}. Queries use the
 * same plan as {@link io.shardwal.index.ShardedIndex} (smallest include first, galloping intersections, matchers
 * that match "" as exclusions), ids and collisions the same rules, so only storage and locking differ.
 *
 * <p>Thread-safe: one {@link ReentrantReadWriteLock}; re-adds of known series and queries take the read lock.
 */
final class SingleLockHeapIndex implements SeriesIndex
{
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<Long, Series> byId = new HashMap<>();
    private final Map<String, Map<String, RefList>> postings = new HashMap<>();
    private final RefList all = new RefList();
    private Series[] byRef = new Series[1024];
    private int nextRef;
    private int displaced;
    private boolean closed;

    private record Series(long id, Labels labels, boolean displaced, int ref)
    {
    }

    /** A growable sorted int array; {@link #refs} is read directly (no copies) by queries. */
    private static final class RefList
    {
        int[] refs;
        int size;

        RefList()
        {
            this(new int[4], 0);
        }

        RefList(final int[] refs, final int size)
        {
            this.refs = refs;
            this.size = size;
        }

        void add(final int ref)
        {
            if (size == refs.length)
            {
                refs = Arrays.copyOf(refs, size * 2);
            }
            refs[size++] = ref;
        }
    }

    @Override
    public long addSeries(final Labels labels)
    {
        checkSeries(labels);
        final long hash = SeriesIds.hash(labels);
        lock.readLock().lock();
        try
        {
            checkOpen();
            final int found = probe(hash, labels);
            if (found >= 0)
            {
                return candidate(hash, found);
            }
        }
        finally
        {
            lock.readLock().unlock();
        }
        lock.writeLock().lock();
        try
        {
            checkOpen();
            final int found = probe(hash, labels);
            if (found >= 0)
            {
                return candidate(hash, found);
            }
            final int free = -1 - found;
            if (free == SeriesIds.MAX_CANDIDATES)
            {
                throw new IllegalStateException("too many collisions on " + SeriesIds.toString(hash));
            }
            final long id = candidate(hash, free);
            insert(id, labels, free != 0);
            return id;
        }
        finally
        {
            lock.writeLock().unlock();
        }
    }

    @Override
    public long addSeries(final long id, final Labels labels)
    {
        checkSeries(labels);
        final long hash = SeriesIds.hash(labels);
        final int position = SeriesIds.candidateIndex(hash, id);
        if (position < 0)
        {
            throw new IllegalArgumentException("id " + SeriesIds.toString(id) + " cannot belong to " + labels);
        }
        lock.writeLock().lock();
        try
        {
            checkOpen();
            final int found = probe(hash, labels);
            if (found >= 0)
            {
                if (found == position)
                {
                    return id;
                }
                throw new IllegalArgumentException(labels + " already indexed under another id");
            }
            if (byId.containsKey(id))
            {
                throw new IllegalArgumentException("id " + SeriesIds.toString(id) + " holds other labels");
            }
            insert(id, labels, position != 0);
            return id;
        }
        finally
        {
            lock.writeLock().unlock();
        }
    }

    @Override
    public long[] findSeries(final List<Matcher> matchers)
    {
        if (matchers.isEmpty())
        {
            throw new IllegalArgumentException("findSeries needs at least one matcher");
        }
        lock.readLock().lock();
        try
        {
            checkOpen();
            return find(matchers);
        }
        finally
        {
            lock.readLock().unlock();
        }
    }

    @Override
    public Labels getLabels(final long id)
    {
        lock.readLock().lock();
        try
        {
            checkOpen();
            final Series series = byId.get(id);
            if (series == null)
            {
                throw new IllegalArgumentException("unknown series id " + SeriesIds.toString(id));
            }
            return series.labels;
        }
        finally
        {
            lock.readLock().unlock();
        }
    }

    @Override
    public boolean contains(final long id)
    {
        lock.readLock().lock();
        try
        {
            checkOpen();
            return byId.containsKey(id);
        }
        finally
        {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<String> labelNames()
    {
        lock.readLock().lock();
        try
        {
            checkOpen();
            final TreeSet<String> names = new TreeSet<>();
            for (final Series s : byId.values())
            {
                for (int i = 0; i < s.labels.size(); i++)
                {
                    names.add(s.labels.name(i));
                }
            }
            return List.copyOf(names);
        }
        finally
        {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<String> labelValues(final String name)
    {
        lock.readLock().lock();
        try
        {
            checkOpen();
            final TreeSet<String> values = new TreeSet<>();
            for (final Series s : byId.values())
            {
                final String v = s.labels.get(name);
                if (!v.isEmpty())
                {
                    values.add(v);
                }
            }
            return List.copyOf(values);
        }
        finally
        {
            lock.readLock().unlock();
        }
    }

    @Override
    public void removeSeries(final long id)
    {
        lock.writeLock().lock();
        try
        {
            checkOpen();
            final Series series = byId.remove(id);
            if (series == null)
            {
                throw new IllegalArgumentException("unknown series id " + SeriesIds.toString(id));
            }
            byRef[series.ref] = null; // the postings keep the ref; queries skip it
            if (series.displaced)
            {
                displaced--;
            }
        }
        finally
        {
            lock.writeLock().unlock();
        }
    }

    @Override
    public long seriesCount()
    {
        lock.readLock().lock();
        try
        {
            return byId.size();
        }
        finally
        {
            lock.readLock().unlock();
        }
    }

    @Override
    public void close()
    {
        lock.writeLock().lock();
        try
        {
            closed = true;
            byId.clear();
            postings.clear();
            byRef = new Series[0];
        }
        finally
        {
            lock.writeLock().unlock();
        }
    }

    // ---------------------------------------------------------------- internals, lock held

    private int probe(final long hash, final Labels labels)
    {
        long id = hash;
        int firstFree = SeriesIds.MAX_CANDIDATES;
        for (int k = 0; k < SeriesIds.MAX_CANDIDATES; k++)
        {
            final Series s = byId.get(id);
            if (s == null)
            {
                firstFree = Math.min(firstFree, k);
                if (displaced == 0)
                {
                    break;
                }
            }
            else if (s.labels.equals(labels))
            {
                return k;
            }
            id = SeriesIds.next(id);
        }
        return -1 - firstFree;
    }

    private void insert(final long id, final Labels labels, final boolean isDisplaced)
    {
        final int ref = nextRef++;
        final Series series = new Series(id, labels, isDisplaced, ref);
        if (ref == byRef.length)
        {
            byRef = Arrays.copyOf(byRef, ref * 2);
        }
        byRef[ref] = series;
        byId.put(id, series);
        for (int i = 0; i < labels.size(); i++)
        {
            postings.computeIfAbsent(labels.name(i), n -> new HashMap<>())
                .computeIfAbsent(labels.value(i), v -> new RefList()).add(ref);
        }
        all.add(ref);
        if (isDisplaced)
        {
            displaced++;
        }
    }

    private long[] find(final List<Matcher> matchers)
    {
        final List<RefList> includes = new ArrayList<>();
        final List<RefList> excludes = new ArrayList<>();
        for (final Matcher m : matchers)
        {
            final boolean include = !m.matchesEmpty();
            final RefList refs = select(m, include);
            if (refs == null)
            {
                continue; // nothing to exclude
            }
            if (include && refs.size == 0)
            {
                return new long[0];
            }
            (include ? includes : excludes).add(refs);
        }
        includes.sort((a, b) -> Integer.compare(a.size, b.size));
        final RefList driver = includes.isEmpty() ? all : includes.get(0);
        final int[] candidates = Arrays.copyOf(driver.refs, driver.size);
        int n = candidates.length;
        for (int i = 1; i < includes.size(); i++)
        {
            n = intersect(candidates, n, includes.get(i));
        }
        for (final RefList exclude : excludes)
        {
            n = subtract(candidates, n, exclude);
        }
        final long[] ids = new long[n];
        int found = 0;
        for (int i = 0; i < n; i++)
        {
            final Series s = byRef[candidates[i]];
            if (s != null)
            {
                ids[found++] = s.id;
            }
        }
        Arrays.sort(ids, 0, found);
        return found == n ? ids : Arrays.copyOf(ids, found);
    }

    /** Sorted refs of the series whose value of the label makes {@code m.matches} equal {@code include}. */
    private RefList select(final Matcher m, final boolean include)
    {
        final Map<String, RefList> values = postings.get(m.name());
        final RefList none = include ? new RefList() : null;
        if (values == null)
        {
            return none;
        }
        if (m.type() == Matcher.Type.EQUAL && include || m.type() == Matcher.Type.NOT_EQUAL && !include)
        {
            final RefList list = values.get(m.value());
            return list == null ? none : list;
        }
        final Predicate<String> predicate = m.newPredicate();
        final List<RefList> lists = new ArrayList<>();
        int total = 0;
        for (final Map.Entry<String, RefList> e : values.entrySet())
        {
            if (predicate.test(e.getKey()) == include)
            {
                lists.add(e.getValue());
                total += e.getValue().size;
            }
        }
        if (lists.isEmpty())
        {
            return none;
        }
        if (lists.size() == 1)
        {
            return lists.get(0);
        }
        final int[] refs = new int[total];
        int n = 0;
        for (final RefList list : lists)
        {
            System.arraycopy(list.refs, 0, refs, n, list.size);
            n += list.size;
        }
        Arrays.sort(refs);
        return new RefList(refs, total);
    }

    private static int intersect(final int[] candidates, final int count, final RefList other)
    {
        int n = 0;
        int from = 0;
        for (int i = 0; i < count; i++)
        {
            final int at = Arrays.binarySearch(other.refs, from, other.size, candidates[i]);
            if (at >= 0)
            {
                candidates[n++] = candidates[i];
                from = at + 1;
            }
            else
            {
                from = -at - 1;
                if (from == other.size)
                {
                    break;
                }
            }
        }
        return n;
    }

    private static int subtract(final int[] candidates, final int count, final RefList other)
    {
        int n = 0;
        int j = 0;
        for (int i = 0; i < count; i++)
        {
            final int c = candidates[i];
            while (j < other.size && other.refs[j] < c)
            {
                j++;
            }
            if (j == other.size || other.refs[j] != c)
            {
                candidates[n++] = c;
            }
        }
        return n;
    }

    private static long candidate(final long hash, final int position)
    {
        long id = hash;
        for (int i = 0; i < position; i++)
        {
            id = SeriesIds.next(id);
        }
        return id;
    }

    private static void checkSeries(final Labels labels)
    {
        if (labels == null || labels.isEmpty())
        {
            throw new IllegalArgumentException("a series needs at least one label with a non-empty value");
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the index is closed");
        }
    }
}
