package io.shardwal.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

import io.shardwal.mmap.ShardwalException;

/**
 * Opens {@code checkpoints.log} again for a {@link CheckpointLog} whose channel was closed under it: an interrupt sent
 * to a thread while it appended closes the channel (the JDK's rule for interruptible channels), possibly after part
 * or all of the entry had reached the file.
 *
 * <p>The file is checked as an open checks it, against what the log holds: every entry the log holds must read back
 * as written, at its offset; anything past the end of the last one is what the failed append left — a torn entry,
 * or a whole one that was never forced — and is cut off, forced and reported ({@code INTERRUPTED_APPEND}). It is not
 * kept: the append that wrote it failed, so the checkpoint was never created (a caller may retry with the same id).
 *
 * <p><b>Threads.</b> Called with the log's lock held, with the caller's interrupt set aside.
 */
final class CheckpointLogReopen
{
    private static final System.Logger LOG = System.getLogger("io.shardwal");

    private CheckpointLogReopen()
    {
    }

    /**
     * @param end      the end of the last entry the log holds.
     * @param entries  the entries the log holds, in log order.
     * @param problems where the cut of a failed append's bytes is reported.
     * @return the new channel, positioned nowhere (the log writes at explicit offsets).
     * @throws ShardwalException CORRUPT, naming the offset, if the file no longer holds what the log does; the log
     *                           then stays without a channel and every append fails the same way.
     */
    static FileChannel reopen(final Path file, final long end, final List<Checkpoint> entries,
        final List<CheckpointLog.Problem> problems) throws IOException
    {
        // Not CREATE: a missing file lost every checkpoint the log holds, which is no tail to cut
        final FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try
        {
            final long size = channel.size();
            if (size < end || size > Integer.MAX_VALUE)
            {
                throw new ShardwalException(ShardwalException.Category.CORRUPT, CheckpointLog.FILE_NAME + " is now "
                    + size + " bytes but holds " + end + " bytes of checkpoints: it was changed by something other "
                    + "than shardwal", file, Math.min(size, end));
            }
            final byte[] bytes = read(channel, (int)size);
            checkEntries(file, bytes, (int)end, entries);
            if (size > end)
            {
                final String detail = describeTail(bytes, (int)end) + " left by an append that failed; cut off, the "
                    + "checkpoint it held was not created";
                channel.truncate(end);
                channel.force(true);
                final CheckpointLog.Problem problem = new CheckpointLog.Problem(end, size - end,
                    "INTERRUPTED_APPEND", detail);
                problems.add(problem);
                LOG.log(System.Logger.Level.WARNING, "shardwal: " + problem + " (" + file + ")");
            }
            return channel;
        }
        catch (final IOException | RuntimeException e)
        {
            channel.close();
            throw e;
        }
    }

    private static void checkEntries(final Path file, final byte[] bytes, final int end,
        final List<Checkpoint> entries)
    {
        final String[] problem = new String[1];
        for (final Checkpoint held : entries)
        {
            final int offset = (int)held.logOffset();
            final Checkpoint read = CheckpointDescriptor.decode(bytes, offset, end, offset, problem);
            if (read == null || !read.hasId(held.id()) || read.timestampNanos() != held.timestampNanos()
                || !Arrays.equals(read.positions(), held.positions()))
            {
                throw new ShardwalException(ShardwalException.Category.CORRUPT, "checkpoint " + held.idText()
                    + " no longer reads back as written at offset " + offset + " of " + CheckpointLog.FILE_NAME + " ("
                    + (read == null ? problem[0] : "another entry is there") + "): the file was changed by "
                    + "something other than shardwal", file, offset);
            }
        }
    }

    private static String describeTail(final byte[] bytes, final int end)
    {
        final String[] problem = new String[1];
        final Checkpoint whole = CheckpointDescriptor.decode(bytes, end, bytes.length, end, problem);
        if (whole != null && CheckpointDescriptor.entryLength(bytes, end) == bytes.length - end)
        {
            return "a whole entry (checkpoint " + whole.idText() + ") never forced";
        }
        return whole != null ? "an entry (checkpoint " + whole.idText() + ") and more bytes after it"
            : "a torn entry (" + problem[0] + ")";
    }

    private static byte[] read(final FileChannel channel, final int size) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(size);
        while (buffer.hasRemaining())
        {
            if (channel.read(buffer, buffer.position()) < 0)
            {
                throw new IOException(CheckpointLog.FILE_NAME + " ended at " + buffer.position() + " of its "
                    + size + " bytes while it was read");
            }
        }
        return buffer.array();
    }
}
