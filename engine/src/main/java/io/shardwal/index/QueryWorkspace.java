package io.shardwal.index;

/**
 * The ordinal arrays of a thread's queries, kept between them: without it every query allocated and zeroed arrays
 * the size of the postings it visits, per shard, which was a fifth of a selective query's time. One per thread
 * ({@link #forThread()}); a thread runs one query at a time.
 */
final class QueryWorkspace
{
    private static final int INITIAL_LENGTH = 64;
    /** A thread keeps its grown arrays up to this many entries (128 KiB each, 384 KiB in all) for its next query. */
    private static final int RETAINED_MAX_LENGTH = 1 << 15;
    private static final ThreadLocal<QueryWorkspace> PER_THREAD = ThreadLocal.withInitial(QueryWorkspace::new);

    int[] candidates = new int[INITIAL_LENGTH];
    int[] scratch = new int[INITIAL_LENGTH];
    int[] other = new int[INITIAL_LENGTH];

    static QueryWorkspace forThread()
    {
        return PER_THREAD.get();
    }

    /** Takes back a finished query's arrays (grown or not), except those too large to keep. */
    void keep(final int[] candidates, final int[] scratch, final int[] other)
    {
        this.candidates = retained(candidates);
        this.scratch = retained(scratch);
        this.other = retained(other);
    }

    private static int[] retained(final int[] array)
    {
        return array.length <= RETAINED_MAX_LENGTH ? array : new int[INITIAL_LENGTH];
    }
}
