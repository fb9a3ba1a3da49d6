package io.shardwal.wal;

import io.shardwal.mmap.FrameClaim;

/** Per-thread state of appending threads: the frame workspace and the countdown to the next timed append. */
final class WriterContext
{
    private static final ThreadLocal<WriterContext> CURRENT = ThreadLocal.withInitial(WriterContext::new);

    final FrameClaim workspace = new FrameClaim();
    private int countdown = 1;

    static WriterContext current()
    {
        return CURRENT.get();
    }

    /** Whether to time this append, given one timed append per {@code interval} (0: never). */
    boolean timeThisAppend(final int interval)
    {
        if (interval == 0 || --countdown > 0)
        {
            return false;
        }
        countdown = interval;
        return true;
    }
}
