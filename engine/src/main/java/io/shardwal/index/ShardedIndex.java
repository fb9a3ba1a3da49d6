package io.shardwal.index;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;

/**
 * The series index of shardwal's telemetry side: label sets in, stable 64-bit series ids out ({@link SeriesIds}),
 * and Prometheus matcher queries ({@link Matcher}) over them, while writers keep adding series from many threads.
 *
 * <p><b>Layout.</b> N {@link IndexShard}s, each behind its own read/write lock. A series lives in the shard given by
 * the top bits of its id ({@code shard = (id ^ MIN_VALUE) >>> 32 * N >>> 32}), so each shard owns one contiguous
 * range of ids and the per-shard sorted results concatenate into one sorted result without a merge. Per shard, label
 * strings are interned, and series records and postings (lists, or bitmaps for dense pairs) live off-heap in slabs
 * addressed through Agrona primitive maps ({@link ShardStorage}); the heap grows per series only by one slot of an
 * {@code Int2IntHashMap}.
 *
 * <p><b>Threads.</b> Every method may be called from any thread at any time, including concurrently with
 * {@link #close()}. Adds of new series and removals take one shard's write lock; queries, label listings and re-adds of
 * known series take read locks, one shard at a time.
 *
 * <p><b>Assumptions and guarantees.</b>
 * <ul>
 *   <li><em>Snapshot consistency.</em> Every add of a new series and every removal takes a number from one index-wide
 *       counter while holding its shard's write lock, and stamps it on the series' entry. {@link #findSeries},
 *       {@link #labelNames()} and {@link #labelValues(String)} read the counter once (snapshot S) before visiting
 *       the shards, and see exactly the series added at or before S and not removed at or before S. Since the
 *       counter is read before a shard's read lock is taken, every operation numbered up to S is already applied in
 *       that shard; operations numbered after S are filtered out. A result is therefore the state after the first S
 *       operations in counter order, an order that respects each thread's program order and real time: a reader never
 *       sees a writer's later add without its earlier ones, whichever shards they went to. A label name or value is
 *       listed iff a series visible at S carries it. The price: every add and removal increments that one counter;
 *       queries only read it.</li>
 *   <li>A removed series keeps its record until its shard rebuilds itself (after
 *       {@link IndexOptions#compactionMinRemoved()} removals); a query or listing whose snapshot predates a rebuild
 *       that dropped a record it could see starts again with a new snapshot, and after a few such restarts takes every
 *       shard's read lock at once.</li>
 *   <li><em>Progress.</em> Blocking: an operation waits only for the lock of the shard it is in. Lock waits are
 *       recorded ({@link #lockWaits()}).</li>
 *   <li><em>Idempotence.</em> Adding known labels returns their id and changes nothing. Label sets with colliding
 *       hashes are told apart by comparing labels and never merged.</li>
 *   <li><em>Lifetime.</em> {@link #close()} releases all off-heap memory, is idempotent and waits for operations in
 *       progress on each shard (a second close racing the first returns at once); any later call that adds, removes
 *       or reads series or labels throws {@link IllegalStateException}, while {@link #options()},
 *       {@link #shardCount()} and {@link #lockWaits()} still answer. Nothing is persisted: after a crash the index is
 *       rebuilt by replaying {@link #addSeries(long, Labels)}.</li>
 *   <li><em>Per-thread memory.</em> A thread that calls {@link #findSeries} keeps its query's ordinal arrays for its
 *       next query (thread-local, at most 3 × 128 KiB; larger ones are dropped after the query), and a thread that
 *       adds keeps its label-encoding buffer and the UTF-8 of up to 1024 recent strings and 1024 recent labels (each
 *       with its pair id in the last shard that resolved it); both are shared by every index in the JVM and freed
 *       with the thread.</li>
 *   <li><em>Errors.</em> Bad input is an {@link IllegalArgumentException} naming the label, regex or id.</li>
 *   <li><em>Out of memory.</em> An add that cannot get the off-heap memory it needs throws
 *       {@link IndexCapacityException} naming the shard and what ran out, and leaves the index as it was: no id,
 *       postings entry, label name or value, string or count of the series remains, and a retry may succeed. Only the
 *       bytes it had taken stay reserved until the shard rebuilds. A removal never fails for want of memory: a rebuild
 *       it makes due that cannot get its memory is put off to a later removal.</li>
 * </ul>
 */
public final class ShardedIndex implements SeriesIndex
{
    private static final int MAX_QUERY_ATTEMPTS = 4;

    private final IndexOptions options;
    private final IndexShard[] shards;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final long hashMask;

    /** An index with the given options. */
    public ShardedIndex(final IndexOptions options)
    {
        this(options, -1L);
    }

    /** Tests only: ids are the canonical hash masked with {@code hashMask}, to force collisions. */
    ShardedIndex(final IndexOptions options, final long hashMask)
    {
        this.options = options;
        this.hashMask = hashMask;
        shards = new IndexShard[options.shardCount()];
        try
        {
            for (int i = 0; i < shards.length; i++)
            {
                shards[i] = new IndexShard(i, options, sequence);
            }
        }
        catch (final RuntimeException | Error e)
        {
            for (final IndexShard shard : shards)
            {
                if (shard != null)
                {
                    shard.close();
                }
            }
            throw e;
        }
    }

    /** An index with {@code shardCount} shards and otherwise default options. */
    public static ShardedIndex withShards(final int shardCount)
    {
        return new ShardedIndex(IndexOptions.builder().shardCount(shardCount).build());
    }

    public IndexOptions options()
    {
        return options;
    }

    /** The shard that holds series {@code id}: the top 32 bits, in signed order, scaled to the shard count. */
    int shardOf(final long id)
    {
        return (int)((((id ^ Long.MIN_VALUE) >>> 32) * shards.length) >>> 32);
    }

    @Override
    public long addSeries(final Labels labels)
    {
        checkSeries(labels);
        final LabelBytes bytes = LabelBytes.forThread();
        final long hash = bytes.encode(labels) & hashMask;
        return shards[shardOf(hash)].add(hash, bytes, labels);
    }

    @Override
    public long addSeries(final Labels labels, final NewSeriesListener listener)
    {
        checkSeries(labels);
        final LabelBytes bytes = LabelBytes.forThread();
        final long hash = bytes.encode(labels) & hashMask;
        bytes.inserted = false;
        final long id = shards[shardOf(hash)].add(hash, bytes, labels);
        if (bytes.inserted)
        {
            listener.onNewSeries(id, labels);
        }
        return id;
    }

    @Override
    public long addSeries(final long id, final Labels labels)
    {
        checkSeries(labels);
        final LabelBytes bytes = LabelBytes.forThread();
        final long hash = bytes.encode(labels) & hashMask;
        final int position = SeriesIds.candidateIndex(hash, id);
        if (position < 0)
        {
            throw new IllegalArgumentException("series id " + SeriesIds.toString(id) + " cannot belong to " + labels +
                ": their hash is " + SeriesIds.toString(hash) + " and a collision moves an id by less than " +
                SeriesIds.MAX_CANDIDATES + " in its low 32 bits");
        }
        return shards[shardOf(hash)].addWithId(id, position, hash, bytes, labels);
    }

    @Override
    public long[] findSeries(final List<Matcher> matchers)
    {
        checkOpen();
        final ShardQuery query = new ShardQuery(new Query(matchers, shards.length));
        try
        {
            final long[][] parts = new long[shards.length][];
            readAtOneSnapshot((shard, snapshot, locked) -> (parts[shard] = locked
                ? shards[shard].findLocked(query, snapshot) : shards[shard].find(query, snapshot)) != null, () -> { });
            return concat(parts);
        }
        finally
        {
            query.finish();
        }
    }

    @Override
    public Labels getLabels(final long id)
    {
        return shards[shardOf(id)].labels(id);
    }

    @Override
    public boolean contains(final long id)
    {
        return shards[shardOf(id)].contains(id);
    }

    @Override
    public List<String> labelNames()
    {
        checkOpen();
        return listAtOneSnapshot((shard, snapshot, locked, out) ->
            locked ? shard.collectLabelNamesLocked(out, snapshot) : shard.collectLabelNames(out, snapshot));
    }

    @Override
    public List<String> labelValues(final String name)
    {
        checkOpen();
        if (name == null || name.isEmpty())
        {
            throw new IllegalArgumentException("label name is " + (name == null ? "null" : "empty"));
        }
        final MemorySegment bytes = Query.encode(name);
        if (bytes == null)
        {
            return List.of();
        }
        final int hash = LabelBytes.hash32(name);
        return listAtOneSnapshot((shard, snapshot, locked, out) -> locked ?
            shard.collectLabelValuesLocked(name, bytes, hash, out, snapshot) :
            shard.collectLabelValues(name, bytes, hash, out, snapshot));
    }

    @Override
    public void removeSeries(final long id)
    {
        shards[shardOf(id)].remove(id);
    }

    @Override
    public long seriesCount()
    {
        return stats().series();
    }

    /** Figures of all shards, each read under its read lock. */
    public IndexStats stats()
    {
        checkOpen();
        final long[] t = new long[8];
        for (final IndexShard shard : shards)
        {
            shard.addStats(t);
        }
        return new IndexStats(shards.length, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7] + 64L * shards.length);
    }

    /**
     * Lock-wait histograms per shard since the previous call. Meant for one monitoring thread; concurrent callers
     * would split the intervals between them.
     */
    public LockWaits lockWaits()
    {
        final List<Histogram> readers = new ArrayList<>(shards.length);
        final List<Histogram> writers = new ArrayList<>(shards.length);
        for (final IndexShard shard : shards)
        {
            readers.add(shard.readerWaits());
            writers.add(shard.writerWaits());
        }
        return new LockWaits(List.copyOf(readers), List.copyOf(writers));
    }

    public int shardCount()
    {
        return shards.length;
    }

    /** Validates every shard's off-heap structures (for tests and diagnostics; O(size)). */
    void checkIntegrity()
    {
        for (final IndexShard shard : shards)
        {
            shard.checkIntegrity();
        }
    }

    IndexShard shard(final int i)
    {
        return shards[i];
    }

    @Override
    public void close()
    {
        if (closed.compareAndSet(false, true))
        {
            for (final IndexShard shard : shards)
            {
                shard.close();
            }
        }
    }

    /** Lists every shard at one snapshot ({@link #readAtOneSnapshot}); the result is sorted. */
    private List<String> listAtOneSnapshot(final ShardListing listing)
    {
        final Set<String> out = new HashSet<>();
        // on a restart, what the shards before the refusal listed belongs to the abandoned snapshot
        readAtOneSnapshot((shard, snapshot, locked) -> listing.collect(shards[shard], snapshot, locked, out),
            out::clear);
        return sorted(out);
    }

    /**
     * Reads every shard at one snapshot: a shard whose rebuild dropped records the snapshot needs makes the read
     * start again with a new snapshot ({@code restart} first discards what the other shards gave), and after a few
     * such restarts it holds every shard's read lock at once, which no rebuild can outdate.
     */
    private void readAtOneSnapshot(final ShardRead read, final Runnable restart)
    {
        for (int attempt = 0; attempt < MAX_QUERY_ATTEMPTS; attempt++)
        {
            final long snapshot = sequence.get(); // volatile read: pairs with the increments under shard locks
            boolean complete = true;
            for (int i = 0; i < shards.length && complete; i++)
            {
                complete = read.read(i, snapshot, false);
            }
            if (complete)
            {
                return;
            }
            restart.run();
        }
        final long[] stamps = new long[shards.length];
        int locked = 0;
        try
        {
            for (; locked < shards.length; locked++)
            {
                stamps[locked] = shards[locked].readLock();
            }
            final long snapshot = sequence.get(); // no writer is inside any shard now
            for (int i = 0; i < shards.length; i++)
            {
                read.read(i, snapshot, true);
            }
        }
        finally
        {
            for (int i = 0; i < locked; i++)
            {
                shards[i].unlockRead(stamps[i]);
            }
        }
    }

    private static long[] concat(final long[][] parts)
    {
        if (parts.length == 1)
        {
            return parts[0];
        }
        int total = 0;
        for (final long[] part : parts)
        {
            total += part.length;
        }
        final long[] all = new long[total];
        int n = 0;
        for (final long[] part : parts)
        {
            System.arraycopy(part, 0, all, n, part.length);
            n += part.length;
        }
        return all;
    }

    private static List<String> sorted(final Set<String> strings)
    {
        final String[] array = strings.toArray(new String[0]);
        Arrays.sort(array);
        return List.of(array);
    }

    private static void checkSeries(final Labels labels)
    {
        if (labels == null || labels.isEmpty())
        {
            throw new IllegalArgumentException(
                "a series needs at least one label with a non-empty value, got " + labels);
        }
    }

    private void checkOpen()
    {
        if (closed.get())
        {
            throw new IllegalStateException("the index is closed");
        }
    }

    /** Shard {@code shard}'s part of a read at {@code snapshot}; {@code locked}: the caller holds its read lock. */
    @FunctionalInterface
    private interface ShardRead
    {
        /** False, having kept nothing, if a rebuild of the shard dropped records the snapshot needs. */
        boolean read(int shard, long snapshot, boolean locked);
    }

    /** One shard's part of a label listing; {@code locked}: the caller holds the shard's read lock. */
    @FunctionalInterface
    private interface ShardListing
    {
        /** False, having added nothing, if a rebuild of the shard dropped records the snapshot needs. */
        boolean collect(IndexShard shard, long snapshot, boolean locked, Set<String> out);
    }
}
