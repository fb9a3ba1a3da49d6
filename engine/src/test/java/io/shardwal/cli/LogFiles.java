package io.shardwal.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Every file of a directory tree with its bytes and modification time, to prove a command changed nothing. */
final class LogFiles
{
    private LogFiles()
    {
    }

    /** One file's state. */
    record State(byte[] bytes, FileTime modified)
    {
        @Override
        public boolean equals(final Object other)
        {
            return other instanceof State that && Arrays.equals(bytes, that.bytes) && modified.equals(that.modified);
        }

        @Override
        public int hashCode()
        {
            return Arrays.hashCode(bytes) * 31 + modified.hashCode();
        }

        @Override
        public String toString()
        {
            return bytes.length + " bytes, modified " + modified;
        }
    }

    static Map<String, State> snapshot(final Path root)
    {
        final Map<String, State> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root))
        {
            for (final Path file : (Iterable<Path>)walk::iterator)
            {
                if (Files.isRegularFile(file))
                {
                    files.put(root.relativize(file).toString(), new State(Files.readAllBytes(file),
                        Files.getLastModifiedTime(file)));
                }
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    static void flipBit(final Path file, final long offset, final int bit)
    {
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
            java.nio.file.StandardOpenOption.WRITE))
        {
            final java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte)(one.get(0) ^ (1 << bit)));
            one.rewind();
            channel.write(one, offset);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
