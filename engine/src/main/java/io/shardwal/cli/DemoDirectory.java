package io.shardwal.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The demo's directory: created if missing, used if empty, replaced if it holds a log an earlier demo wrote
 * (marked by a {@code DEMO} file, and holding nothing but a log's own files), refused otherwise. The demo never
 * deletes a file it did not write.
 */
final class DemoDirectory
{
    /** The files of a log at its top level (temporary ones of interrupted atomic replacements included). */
    private static final Set<String> LOG_FILES = Set.of(LogDirectory.MANIFEST, LogDirectory.MANIFEST + ".tmp",
        LogDirectory.LOCK, LogDirectory.HEAD, LogDirectory.HEAD + ".tmp", "checkpoints.log", "checkpoints.log.tmp");

    private DemoDirectory()
    {
    }

    static void prepare(final Path directory, final String marker) throws IOException
    {
        if (!Files.exists(directory))
        {
            Files.createDirectories(directory);
            return;
        }
        if (!Files.isDirectory(directory))
        {
            throw CliFailure.cannotRun(directory + " exists and is not a directory; choose another --dir");
        }
        final List<Path> entries = list(directory);
        if (entries.isEmpty())
        {
            return;
        }
        if (!Files.exists(directory.resolve(marker)))
        {
            throw CliFailure.cannotRun(directory + " is not empty and was not written by 'shardwal demo' (it has no "
                + marker + " file); refusing to touch it: choose another --dir");
        }
        final String holder = LogDirectory.lockHolder(directory);
        if (holder != null)
        {
            throw CliFailure.cannotRun(directory + " is being written by " + holder + "; wait for it, or choose "
                + "another --dir");
        }
        final List<Path> doomed = new ArrayList<>();
        for (final Path entry : entries)
        {
            final String name = entry.getFileName().toString();
            if (name.equals(marker))
            {
                continue;
            }
            if (Files.isDirectory(entry) && name.matches("shard_\\d{2,}"))
            {
                for (final Path file : list(entry))
                {
                    final String fileName = file.getFileName().toString();
                    if (!Files.isRegularFile(file) || !(fileName.endsWith(LogDirectory.SEGMENT_SUFFIX)
                        || fileName.endsWith(LogDirectory.SEGMENT_SUFFIX + ".creating")))
                    {
                        throw foreign(directory, file);
                    }
                    doomed.add(file);
                }
                doomed.add(entry);
            }
            else if (Files.isRegularFile(entry) && LOG_FILES.contains(name))
            {
                doomed.add(entry);
            }
            else
            {
                throw foreign(directory, entry);
            }
        }
        for (final Path path : doomed)
        {
            Files.delete(path);
        }
        Files.delete(directory.resolve(marker));
    }

    /** Leaves the marker that lets the next demo replace this log. */
    static void mark(final Path directory, final String marker) throws IOException
    {
        Files.writeString(directory.resolve(marker), "This log was written by 'shardwal demo' at " + Instant.now()
            + ".\nRunning the demo again with this directory replaces it.\n", StandardCharsets.UTF_8);
    }

    /** Refuses to start when the file system has less usable space than the log needs. */
    static void checkSpace(final Path directory, final long needed) throws IOException
    {
        final long usable = Files.getFileStore(directory).getUsableSpace();
        if (usable < needed + needed / 20)
        {
            throw CliFailure.cannotRun("the demo needs about " + Units.bytes(needed) + " of disk in " + directory
                + " and only " + Units.bytes(usable) + " are free: lower --records, or choose another --dir");
        }
    }

    private static CliFailure foreign(final Path directory, final Path entry)
    {
        return CliFailure.cannotRun(directory + " holds " + entry + ", which 'shardwal demo' did not write; refusing "
            + "to replace the directory: remove it yourself or choose another --dir");
    }

    private static List<Path> list(final Path directory) throws IOException
    {
        final List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory))
        {
            stream.forEach(entries::add);
        }
        entries.sort(null);
        return entries;
    }
}
