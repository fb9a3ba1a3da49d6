package io.shardwal.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Where benchmark forks put their files: below {@value #DATA_PROPERTY} (set by {@link RunBenchmarks}), else below
 * {@code java.io.tmpdir}. It must be a disk file system: on tmpfs, page faults and write-back cost something else.
 */
public final class BenchFiles
{
    /** System property of the forks: directory for the benchmarks' files. */
    public static final String DATA_PROPERTY = "shardwal.bench.data";

    private BenchFiles()
    {
    }

    /** The directory benchmark files go below. */
    public static Path dataRoot()
    {
        final String configured = System.getProperty(DATA_PROPERTY);
        return Path.of(configured != null ? configured : System.getProperty("java.io.tmpdir"));
    }

    /** A new, empty directory below {@link #dataRoot()}. */
    public static Path newDirectory(final String prefix)
    {
        try
        {
            final Path root = Files.createDirectories(dataRoot());
            return Files.createTempDirectory(root, prefix);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot create a benchmark directory below " + dataRoot(), e);
        }
    }

    /**
     * Creates {@code file} and maps {@code size} bytes of it read-write in {@code arena}. Mapping past the end extends
     * the file: a sparse file, no page of it in memory yet, each faulted in by its first store.
     */
    public static MemorySegment mapNewSparse(final Path file, final long size, final Arena arena)
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot map " + file, e);
        }
    }

    /** Deletes {@code path} and everything below it; nothing if it does not exist. */
    public static void deleteRecursively(final Path path)
    {
        if (path == null || !Files.exists(path))
        {
            return;
        }
        try
        {
            Files.walkFileTree(path, new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attributes)
                    throws IOException
                {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(final Path directory, final IOException e) throws IOException
                {
                    if (e != null)
                    {
                        throw e;
                    }
                    Files.delete(directory);
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }
}
