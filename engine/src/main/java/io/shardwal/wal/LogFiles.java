package io.shardwal.wal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What tools need to know about a log directory without opening the log: its manifest, who holds its writer lock,
 * how its last writer stopped, and how shard directories and segment files are named. Reads only; never takes the
 * lock, never creates or changes a file.
 */
public final class LogFiles
{
    private LogFiles()
    {
    }

    /** How a log's last writer stopped, from its {@code LOCK} file. */
    public enum LastStop
    {
        /** Never opened for writing (no LOCK, or an empty one on a new log), or its creation did not finish. */
        NONE,
        /** Closed cleanly. */
        CLEAN,
        /** Did not close, in this boot: the page cache survived, the next writer recovers the tail. */
        PROCESS_CRASH,
        /** Did not close, in another boot (or unknown): the next writer scans whole segments. */
        POSSIBLE_OS_CRASH
    }

    /** The contents of {@code LOCK} (pid, boot, started, state) and what they say about the last stop. */
    public record LastWriter(Map<String, String> fields, LastStop stop)
    {
    }

    /**
     * The validated manifest of the log in {@code directory}.
     *
     * @throws java.nio.file.NoSuchFileException if there is no manifest.
     * @throws io.shardwal.mmap.ShardwalException CORRUPT or FORMAT naming the file.
     */
    public static Manifest manifest(final Path directory) throws IOException
    {
        return Manifest.read(directory);
    }

    /** "pid N, writing since T" if a writer holds the log now; probes with a shared lock, changes nothing. */
    public static Optional<String> lockHolder(final Path directory) throws IOException
    {
        return Optional.ofNullable(WalLock.holder(directory));
    }

    /** What the {@code LOCK} file says about the last writer (meaningful when nobody holds the lock). */
    public static LastWriter lastWriter(final Path directory) throws IOException
    {
        final Map<String, String> fields = WalLock.fields(directory);
        final boolean existing = Files.exists(directory.resolve(Manifest.FILE_NAME));
        return new LastWriter(fields, LastStop.valueOf(WalLock.classify(fields, existing).name()));
    }

    public static Path shardDirectory(final Path directory, final int shard)
    {
        return ShardedWal.shardDirectory(directory, shard);
    }

    /** The name of the segment file whose first byte is at {@code basePosition}: 20 digits and {@code .wal}. */
    public static String segmentFileName(final long basePosition)
    {
        return ShardSegments.fileName(basePosition);
    }

    /** The base position a segment file name stands for, or -1 if the name is not a segment file's. */
    public static long segmentBase(final String fileName)
    {
        return ShardSegments.parseBase(fileName);
    }
}
