package io.shardwal.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import io.shardwal.mmap.DurableFiles;
import io.shardwal.mmap.MappedSegment;

/**
 * {@code HEAD}: the id of the latest checkpoint, {@code [u16 LE length][id bytes]} (the original design's format,
 * kept byte for byte). Replaced atomically: a temporary file is written and forced, renamed over HEAD, and the
 * directory is synced. HEAD is a shortcut, never the truth: an unreadable HEAD, or one naming an id the log does
 * not hold, falls back to the newest valid entry of the log.
 */
final class HeadFile
{
    static final String FILE_NAME = "HEAD";

    private HeadFile()
    {
    }

    /** Replaces HEAD with one naming {@code id} ({@link DurableFiles#replace}); the caller's interrupt is set aside. */
    static void write(final Path directory, final byte[] id) throws IOException
    {
        CheckpointDescriptor.checkId(id);
        final ByteBuffer bytes = ByteBuffer.allocate(2 + id.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putShort((short)id.length).put(id);
        DurableFiles.replace(directory, FILE_NAME, bytes.array());
    }

    /**
     * The id HEAD names, or null if there is no HEAD; {@code problem[0]} says why a HEAD that exists was not usable.
     */
    static byte[] read(final Path directory, final String[] problem) throws IOException
    {
        final Path file = directory.resolve(FILE_NAME);
        if (!Files.exists(file))
        {
            return null;
        }
        final byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 2)
        {
            problem[0] = "HEAD is " + bytes.length + " bytes, too short for a length";
            return null;
        }
        final int length = Short.toUnsignedInt(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getShort());
        if (length == 0 || bytes.length != 2 + length)
        {
            problem[0] = "HEAD declares a " + length + "-byte id but holds " + (bytes.length - 2) + " bytes";
            return null;
        }
        final byte[] id = new byte[length];
        System.arraycopy(bytes, 2, id, 0, length);
        return id;
    }

    static void delete(final Path directory) throws IOException
    {
        if (Files.deleteIfExists(directory.resolve(FILE_NAME)))
        {
            MappedSegment.syncDirectory(directory);
        }
    }
}
