package io.shardwal.nativetests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Copying and deleting directory trees, and the test's own scratch directories under {@code target/tmp}. */
final class Directories
{
    private Directories()
    {
    }

    /**
     * A fresh, empty directory under {@code java.io.tmpdir} (which the build points at {@code target/tmp} of this
     * module), named after the test so that what a failed run left behind is easy to find.
     */
    static Path scratch(final String name)
    {
        final Path directory = Path.of(System.getProperty("java.io.tmpdir"), "native-tests", name);
        delete(directory);
        try
        {
            return Files.createDirectories(directory);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies the tree at {@code from} to {@code to} (which must not exist), as the bytes are now. */
    static void copy(final Path from, final Path to)
    {
        try (Stream<Path> walk = Files.walk(from))
        {
            for (final Path source : walk.toList())
            {
                final Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source))
                {
                    Files.createDirectories(target);
                }
                else
                {
                    Files.copy(source, target);
                }
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

    /** Deletes the tree at {@code directory}, if there is one. */
    static void delete(final Path directory)
    {
        if (!Files.exists(directory))
        {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory))
        {
            final List<Path> paths = walk.sorted(Comparator.reverseOrder()).toList();
            for (final Path path : paths)
            {
                Files.deleteIfExists(path);
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot delete " + directory, e);
        }
    }
}
