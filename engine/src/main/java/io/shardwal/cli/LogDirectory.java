package io.shardwal.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/**
 * What the tools need to know about a log directory before (and besides) opening it: that it is one, its manifest
 * as text, who holds its writer lock, and its files. Everything here only reads.
 */
final class LogDirectory
{
    static final String MANIFEST = "wal.manifest";
    static final String LOCK = "LOCK";
    static final String HEAD = "HEAD";
    static final String SEGMENT_SUFFIX = ".wal";

    private LogDirectory()
    {
    }

    /**
     * Checks that {@code directory} exists and holds a shardwal log.
     *
     * @throws CliFailure CANNOT_RUN naming the directory and what is wrong.
     */
    static Path require(final Path directory)
    {
        if (!Files.exists(directory))
        {
            throw CliFailure.cannotRun(directory + ": no such directory");
        }
        if (!Files.isDirectory(directory))
        {
            throw CliFailure.cannotRun(directory + ": not a directory");
        }
        if (!Files.isRegularFile(directory.resolve(MANIFEST)))
        {
            throw CliFailure.cannotRun(directory + ": not a shardwal log (it has no " + MANIFEST + ")");
        }
        return directory;
    }

    /** Opens the log read-only (no lock, no recovery, nothing written). */
    static ShardedWal openReadOnly(final Path directory)
    {
        return ShardedWal.openReadOnly(require(directory));
    }

    /**
     * Opens the log for writing with the settings of its manifest, for administrative commands: no segment is
     * prepared ahead and nothing is appended. Opening recovers the log if its last writer crashed.
     *
     * @throws CliFailure CANNOT_RUN if a live writer holds the log (naming it).
     */
    static ShardedWal openForAdministration(final Path directory)
    {
        require(directory);
        final String holder = lockHolder(directory);
        if (holder != null)
        {
            throw CliFailure.cannotRun(directory + " is being written by " + holder + "; this command needs the "
                + "writer lock: run it through that process, or after it stopped");
        }
        final WalOptions stored;
        try (ShardedWal readOnly = ShardedWal.openReadOnly(directory))
        {
            stored = readOnly.options();
        }
        return ShardedWal.open(WalOptions.builder(directory).shardCount(stored.shardCount())
            .segmentSize(stored.segmentSize()).router(stored.router()).routerSeed(stored.routerSeed())
            .syncMode(SyncMode.ASYNC).prepareAhead(0).createIfMissing(false).build());
    }

    /**
     * The manifest's key=value lines as they are written (for display; {@link ShardedWal#openReadOnly} validates
     * it), in file order, comments and the checksum line left out.
     */
    static Map<String, String> manifest(final Path directory)
    {
        final Map<String, String> values = new LinkedHashMap<>();
        try
        {
            for (final String line : Files.readAllLines(directory.resolve(MANIFEST), StandardCharsets.UTF_8))
            {
                final int equals = line.indexOf('=');
                if (!line.startsWith("#") && equals > 0)
                {
                    values.put(line.substring(0, equals), line.substring(equals + 1));
                }
            }
        }
        catch (final IOException e)
        {
            throw CliFailure.cannotRun("cannot read " + directory.resolve(MANIFEST) + ": " + e.getMessage(), e);
        }
        values.keySet().removeIf(key -> key.startsWith("crc"));
        return values;
    }

    /**
     * Who holds the writer lock right now ("pid 4242, writing since …"), or null if nobody does. Probes with a
     * shared lock on {@code LOCK}, which needs no write permission, never blocks and changes nothing.
     */
    static String lockHolder(final Path directory)
    {
        final Path file = directory.resolve(LOCK);
        if (!Files.exists(file))
        {
            return null;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            try
            {
                final FileLock probe = channel.tryLock(0, Long.MAX_VALUE, true);
                if (probe != null)
                {
                    probe.release();
                    return null;
                }
            }
            catch (final OverlappingFileLockException e)
            {
                return "this process (pid " + ProcessHandle.current().pid() + ")";
            }
            final Map<String, String> fields = lockFields(channel);
            return "pid " + fields.getOrDefault("pid", "?") + ", writing since " + fields.getOrDefault("started", "?");
        }
        catch (final NoSuchFileException e)
        {
            return null;
        }
        catch (final IOException e)
        {
            throw CliFailure.cannotRun("cannot probe the lock " + file + ": " + e.getMessage(), e);
        }
    }

    /** The fields of the {@code LOCK} file (pid, boot, started, state), empty if there is none. */
    static Map<String, String> lockFields(final Path directory)
    {
        final Path file = directory.resolve(LOCK);
        if (!Files.exists(file))
        {
            return Map.of();
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            return lockFields(channel);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> lockFields(final FileChannel channel) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate((int)Math.min(channel.size(), 4096));
        channel.read(buffer, 0);
        final Map<String, String> fields = new LinkedHashMap<>();
        for (final String line : new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).split("\n"))
        {
            final int equals = line.indexOf('=');
            if (equals > 0)
            {
                fields.put(line.substring(0, equals).strip(), line.substring(equals + 1).strip());
            }
        }
        return fields;
    }

    /** How the last writer stopped, from {@code LOCK}, for a log nobody writes now. */
    static String previousStop(final Path directory)
    {
        final Map<String, String> fields = lockFields(directory);
        if (fields.isEmpty())
        {
            return "never opened for writing";
        }
        if ("closed".equals(fields.get("state")))
        {
            return "closed cleanly";
        }
        return "did not close (crashed or was killed); the next writer recovers the log";
    }

    /** True if {@code LOCK} says the last writer did not close and ran in another boot than this one. */
    static boolean possibleOsCrash(final Path directory)
    {
        final Map<String, String> fields = lockFields(directory);
        if (fields.isEmpty() || "closed".equals(fields.get("state")))
        {
            return false;
        }
        try
        {
            final String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
            return !boot.equals(fields.get("boot"));
        }
        catch (final IOException | RuntimeException e)
        {
            return true;
        }
    }

    static Path shardDirectory(final Path directory, final int shard)
    {
        return directory.resolve(String.format("shard_%02d", shard));
    }

    /** Name of the segment file starting at {@code base}. */
    static String segmentName(final long base)
    {
        return String.format("%020d%s", base, SEGMENT_SUFFIX);
    }

    /** A shard's segment file path relative to the log directory, as the tools print it. */
    static String segmentPath(final int shard, final long base)
    {
        return String.format("shard_%02d/%s", shard, segmentName(base));
    }

    /** Base position of a segment file name, or -1 if the name is not one. */
    static long parseBase(final String name)
    {
        if (name.length() != 20 + SEGMENT_SUFFIX.length() || !name.endsWith(SEGMENT_SUFFIX))
        {
            return -1;
        }
        for (int i = 0; i < 20; i++)
        {
            if (!Character.isDigit(name.charAt(i)))
            {
                return -1;
            }
        }
        return Long.parseLong(name.substring(0, 20));
    }

    /** The entries of a shard directory, sorted by name (none if it does not exist). */
    static List<Path> shardFiles(final Path directory, final int shard)
    {
        final List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(shardDirectory(directory, shard)))
        {
            entries.forEach(files::add);
        }
        catch (final NoSuchFileException e)
        {
            return files;
        }
        catch (final IOException e)
        {
            throw CliFailure.cannotRun("cannot list " + shardDirectory(directory, shard) + ": " + e.getMessage(), e);
        }
        files.sort(null);
        return files;
    }

    /** The one line for an engine exception: category, message, file and offset as the exception names them. */
    static String describe(final ShardwalException e)
    {
        return e.getMessage().replace('\n', ' ');
    }
}
