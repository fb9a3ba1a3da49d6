package io.shardwal.wal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of long work over a whole log (the recovery at open, a replay), logged at INFO to
 * {@value WalOptions#PROGRESS_LOGGER} when it runs long: one line each {@link WalOptions#progressInterval()} once it
 * has run that long, saying how much of the log is done, how many shards are done, on how many threads, for how
 * long, and one closing line if any was logged. Work shorter than the interval logs nothing here.
 *
 * <p><b>Threads.</b> Safe for the working threads to report into at once; at most one of them logs each line.
 */
final class ProgressLog
{
    private static final System.Logger LOG = System.getLogger(WalOptions.PROGRESS_LOGGER);

    private final String doing;
    private final String done;
    private final String verb;
    private final Path directory;
    private final long totalBytes;
    private final int shards;
    private final int threads;
    private final long intervalNanos;
    private final long started = System.nanoTime();
    private final AtomicLong doneBytes = new AtomicLong();
    private final AtomicInteger shardsDone = new AtomicInteger();
    private final AtomicLong nextLine;
    private volatile boolean logged;

    /**
     * @param doing what the progress lines say is going on ("recovering"), {@code done} what the closing line says
     *              ("recovered"), {@code verb} what happens to the bytes ("scanned").
     */
    ProgressLog(final String doing, final String done, final String verb, final Path directory, final long totalBytes,
        final int shards, final int threads, final Duration interval)
    {
        this.doing = doing;
        this.done = done;
        this.verb = verb;
        this.directory = directory;
        this.totalBytes = totalBytes;
        this.shards = shards;
        this.threads = threads;
        this.intervalNanos = interval.toNanos();
        this.nextLine = new AtomicLong(started + intervalNanos);
    }

    int threads()
    {
        return threads;
    }

    /** {@code bytes} more of the log are done. */
    void advanced(final long bytes)
    {
        doneBytes.addAndGet(bytes);
        maybeLog();
    }

    /** A shard is done. */
    void shardDone()
    {
        shardsDone.incrementAndGet();
        maybeLog();
    }

    private void maybeLog()
    {
        final long now = System.nanoTime();
        final long due = nextLine.get();
        if (now - due >= 0 && nextLine.compareAndSet(due, now + intervalNanos))
        {
            logged = true;
            LOG.log(System.Logger.Level.INFO, line(doing, now));
        }
    }

    /** Logs the closing line if progress was logged. */
    void finished()
    {
        if (logged)
        {
            LOG.log(System.Logger.Level.INFO, line(done, System.nanoTime()));
        }
    }

    private String line(final String what, final long now)
    {
        final long bytes = doneBytes.get();
        return String.format(Locale.ROOT, "shardwal: %s %s: %s of %s %s (%d %%), %d of %d shards done, %d thread%s, "
            + "%.1f s", what, directory, megabytes(bytes), megabytes(totalBytes), verb,
            totalBytes == 0 ? 100 : Math.min(100, bytes * 100 / totalBytes), shardsDone.get(), shards, threads,
            threads == 1 ? "" : "s", (now - started) / 1e9);
    }

    private static String megabytes(final long bytes)
    {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
