package io.shardwal.wal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of the recovery at open, logged at INFO for a recovery that runs long: one line each
 * {@link WalOptions#progressInterval()} once it has run that long, saying how much of the log is scanned, how many
 * shards are done, on how many threads, for how long, and one closing line if any was logged. A recovery shorter
 * than the interval logs nothing here (the open's summary line says what it did).
 *
 * <p><b>Threads.</b> Safe for the recovery threads to report into at once; at most one of them logs each line.
 */
final class RecoveryProgress
{
    private static final System.Logger LOG = System.getLogger("io.shardwal");

    private final Path directory;
    private final long totalBytes;
    private final int shards;
    private final int threads;
    private final long intervalNanos;
    private final long started = System.nanoTime();
    private final AtomicLong scannedBytes = new AtomicLong();
    private final AtomicInteger shardsDone = new AtomicInteger();
    private final AtomicLong nextLine;
    private volatile boolean logged;

    RecoveryProgress(final Path directory, final long totalBytes, final int shards, final int threads,
        final Duration interval)
    {
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

    /** A scan finished a segment of {@code bytes}; {@code shardDone} if it was the shard's last. */
    void scanned(final long bytes, final boolean shardDone)
    {
        scannedBytes.addAndGet(bytes);
        if (shardDone)
        {
            shardsDone.incrementAndGet();
        }
        final long now = System.nanoTime();
        final long due = nextLine.get();
        if (now - due >= 0 && nextLine.compareAndSet(due, now + intervalNanos))
        {
            logged = true;
            LOG.log(System.Logger.Level.INFO, line("recovering", now));
        }
    }

    /** Logs the closing line if progress was logged. */
    void finished()
    {
        if (logged)
        {
            LOG.log(System.Logger.Level.INFO, line("recovered", System.nanoTime()));
        }
    }

    String line(final String verb, final long now)
    {
        final long scanned = scannedBytes.get();
        return String.format(Locale.ROOT, "shardwal: %s %s: %s of %s scanned (%d %%), %d of %d shards done, "
            + "%d thread%s, %.1f s", verb, directory, megabytes(scanned), megabytes(totalBytes),
            totalBytes == 0 ? 100 : Math.min(100, scanned * 100 / totalBytes), shardsDone.get(), shards, threads,
            threads == 1 ? "" : "s", (now - started) / 1e9);
    }

    private static String megabytes(final long bytes)
    {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
