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
import io.shardwal.wal.LogFiles;
import io.shardwal.wal.Manifest;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;
import picocli.CommandLine.Model.CommandSpec;

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
     * The manifest's values in the order the file writes them (for display and for the read-only checks),
     * validated by the engine's reader.
     */
    static Map<String, String> manifest(final Path directory)
    {
        final Manifest manifest;
        try
        {
            manifest = LogFiles.manifest(directory);
        }
        catch (final IOException e)
        {
            throw CliFailure.cannotRun("cannot read " + directory.resolve(MANIFEST) + ": " + e.getMessage(), e);
        }
        final Map<String, String> values = new LinkedHashMap<>();
        values.put("format", String.valueOf(manifest.format()));
        values.put("shards", String.valueOf(manifest.shardCount()));
        values.put("router", manifest.router().name());
        values.put("seed", String.valueOf(manifest.seed()));
        values.put("vnodes", String.valueOf(manifest.vnodes()));
        values.put("segmentSize", String.valueOf(manifest.segmentSize()));
        values.put("created", manifest.created());
        return values;
    }

    /** Who holds the writer lock right now ("pid 4242, writing since …"), or null if nobody does. */
    static String lockHolder(final Path directory)
    {
        try
        {
            return LogFiles.lockHolder(directory).orElse(null);
        }
        catch (final IOException e)
        {
            throw CliFailure.cannotRun("cannot probe the lock " + directory.resolve(LOCK) + ": " + e.getMessage(), e);
        }
    }

    /** What {@code LOCK} says about the last writer (fields and how it stopped). */
    static LogFiles.LastWriter lastWriter(final Path directory)
    {
        try
        {
            return LogFiles.lastWriter(directory);
        }
        catch (final IOException e)
        {
            throw CliFailure.cannotRun("cannot read " + directory.resolve(LOCK) + ": " + e.getMessage(), e);
        }
    }

    /** The fields of the {@code LOCK} file (pid, boot, started, state), empty if there is none. */
    static Map<String, String> lockFields(final Path directory)
    {
        return lastWriter(directory).fields();
    }

    /** How the last writer stopped, from {@code LOCK}, for a log nobody writes now. */
    static String previousStop(final Path directory)
    {
        final String[] damage = new String[1];
        final LogFiles.LastWriter writer = lastWriterOrNull(directory, damage);
        if (writer == null)
        {
            return "is unknown: " + damage[0] + " (the next writer takes it for a possible OS crash)";
        }
        return switch (writer.stop())
        {
            case NONE -> "never opened for writing, or its creation did not finish";
            case CLEAN -> "closed cleanly";
            default -> "did not close (crashed or was killed); the next writer recovers the log";
        };
    }

    /** What {@code LOCK} says of the last writer; null if {@code LOCK} is damaged ({@code damage[0]} says how). */
    static LogFiles.LastWriter lastWriterOrNull(final Path directory, final String[] damage)
    {
        try
        {
            return lastWriter(directory);
        }
        catch (final ShardwalException e)
        {
            if (e.category() != ShardwalException.Category.CORRUPT)
            {
                throw e;
            }
            damage[0] = describe(e);
            return null;
        }
    }

    /**
     * For the reading commands: if the last writer died and nobody has recovered the log since, a line saying that
     * a shard's records may go on past a dead claim or gap where reading stops (only a writer's recovery pads
     * those); null otherwise, and while a live writer holds the log.
     */
    static String unrecoveredNote(final Path directory)
    {
        if (lockHolder(directory) != null)
        {
            return null;
        }
        final String follow = "reading stops at a dead claim or gap, and records may follow it ('shardwal verify "
            + directory + "' lists them; the next writer's recovery makes them readable)";
        final String[] damage = new String[1];
        final LogFiles.LastWriter writer = lastWriterOrNull(directory, damage);
        if (writer == null)
        {
            // Damage to LOCK is no reason not to read the records: say what it leaves unknown
            return "note: how the last writer stopped is unknown (" + damage[0] + "): " + follow;
        }
        final LogFiles.LastStop stop = writer.stop();
        if (stop == LogFiles.LastStop.CLEAN || stop == LogFiles.LastStop.NONE)
        {
            return null;
        }
        return "note: the last writer did not close (crashed or was killed) and none has recovered the log since: "
            + follow;
    }

    /** Prints {@link #unrecoveredNote} on the command's stderr, if there is one. */
    static void warnIfUnrecovered(final Path directory, final CommandSpec command)
    {
        final String note = unrecoveredNote(directory);
        if (note != null)
        {
            command.commandLine().getErr().println(command.qualifiedName() + ": " + note);
            command.commandLine().getErr().flush();
        }
    }

    /** True if {@code LOCK} says the last writer did not close and ran in another boot than this one. */
    static Path shardDirectory(final Path directory, final int shard)
    {
        return LogFiles.shardDirectory(directory, shard);
    }

    /** Name of the segment file starting at {@code base}. */
    static String segmentName(final long base)
    {
        return LogFiles.segmentFileName(base);
    }

    /** A shard's segment file path relative to the log directory, as the tools print it. */
    static String segmentPath(final int shard, final long base)
    {
        return String.format("shard_%02d/%s", shard, segmentName(base));
    }

    /** Base position of a segment file name, or -1 if the name is not one. */
    static long parseBase(final String name)
    {
        return LogFiles.segmentBase(name);
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
