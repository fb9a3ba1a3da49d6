package io.shardwal.mmap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The plain file I/O of creating and reading segment files, apart from {@link MappedSegment}'s mapping. */
final class SegmentFiles
{
    /**
     * Bytes per write when zero-filling. The page cache keeps what one write brings in as folios of up to this size.
     * Large folios make filling, pretouching and write-back cheaper, but a write fault on a clean one dirties all
     * of it for the next msync. In a STRICT append's msync of a few bytes, 1 MiB writes cost ~20 % more per
     * append; 256 KiB writes did not, and ASYNC appends were no slower (bench/RESULTS.md, run AR).
     */
    private static final int ZERO_CHUNK = 256 << 10;

    private SegmentFiles()
    {
    }

    /** Writes zeros over {@code [from, size)} of {@code file}. */
    static void zeroFill(final FileChannel channel, final long from, final long size, final Path file)
        throws IOException
    {
        final ByteBuffer zeros = Zeros.CHUNK.duplicate();
        for (long position = from; position < size; position += ZERO_CHUNK)
        {
            zeros.clear().limit((int)Math.min(ZERO_CHUNK, size - position));
            writeFully(channel, zeros, position);
        }
        if (channel.size() != size)
        {
            throw new IOException("zero-filling " + file + " left it at " + channel.size() + " bytes, not " + size);
        }
    }

    static void writeFully(final FileChannel channel, final ByteBuffer buffer, final long position)
        throws IOException
    {
        long at = position;
        while (buffer.hasRemaining())
        {
            at += channel.write(buffer, at);
        }
    }

    static void readFully(final FileChannel channel, final ByteBuffer buffer) throws IOException
    {
        long at = 0;
        while (buffer.hasRemaining())
        {
            final int read = channel.read(buffer, at);
            if (read < 0)
            {
                return;
            }
            at += read;
        }
    }

    /**
     * One chunk of zeros shared by every creation, each writing through its own duplicate: native memory allocated
     * once, on the first creation (read-only processes never allocate it).
     */
    private static final class Zeros
    {
        static final ByteBuffer CHUNK = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();
    }

    static void moveAtomically(final Path from, final Path to) throws IOException
    {
        try
        {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final AtomicMoveNotSupportedException e)
        {
            Files.move(from, to);
        }
    }
}
