package io.shardwal.wal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

import io.shardwal.mmap.SegmentDescriptor;

/**
 * Disk images of a log as a crash leaves them. Copying a log's files while its writer holds them gives exactly
 * what a kill -9 leaves (the page cache is the truth for every other process); the copy's LOCK says
 * {@code state=open}. Byte-level damage is then done to the copy.
 */
final class CrashImages
{
    private CrashImages()
    {
    }

    /**
     * Copies every file of {@code from} to {@code to} (which must not exist); a file that a running writer's
     * preparer or pruning removes during the copy is left out.
     */
    static Path copy(final Path from, final Path to)
    {
        try (Stream<Path> files = Files.walk(from))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                final Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file))
                {
                    Files.createDirectories(target);
                }
                else
                {
                    try
                    {
                        Files.copy(file, target);
                    }
                    catch (final NoSuchFileException e)
                    {
                        // Gone since the listing: the preparer renamed its ".creating" file, or a prune deleted a
                        // segment. The image is then the state after that change, which a kill can leave as well.
                    }
                }
            }
            return to;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes the image look like the writer crashed: in this boot (process crash) or an earlier one (OS crash). */
    static void markCrashed(final Path log, final boolean sameBoot)
    {
        final String boot = sameBoot ? WalLock.bootId() : "00000000-0000-0000-0000-000000000000";
        write(log.resolve(WalLock.FILE_NAME), "pid=1\nboot=" + boot + "\nstarted=then\nstate=open\n");
    }

    static Path segmentFile(final Path log, final int shard, final long base)
    {
        return ShardedWal.shardDirectory(log, shard).resolve(ShardSegments.fileName(base));
    }

    /** File offset of a shard position in its segment file. */
    static long fileOffset(final long position, final long segmentSize)
    {
        return SegmentDescriptor.DATA_OFFSET + position % segmentSize;
    }

    static byte[] read(final Path file, final long offset, final int length)
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final ByteBuffer buffer = ByteBuffer.allocate(length);
            channel.read(buffer, offset);
            return buffer.array();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    static void write(final Path file, final long offset, final byte[] bytes)
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.wrap(bytes), offset);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    static void zero(final Path file, final long offset, final int length)
    {
        write(file, offset, new byte[length]);
    }

    static void flipBit(final Path file, final long offset, final int bit)
    {
        final byte[] one = read(file, offset, 1);
        one[0] ^= (byte)(1 << bit);
        write(file, offset, one);
    }

    /** Sets a segment's tail counter (as if its header page were older than its data). */
    static void setTail(final Path segment, final long tail)
    {
        write(segment, SegmentDescriptor.TAIL_OFFSET,
            ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(tail).array());
    }

    private static void write(final Path file, final String text)
    {
        try
        {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
