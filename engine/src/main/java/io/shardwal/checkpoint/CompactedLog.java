package io.shardwal.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The temporary file a compaction of {@code checkpoints.log} writes: its open channel, which becomes the log's once
 * the file has been renamed over the log, and the end of its entries.
 *
 * <p><b>Threads.</b> Used by the compacting thread only, under the log's lock.
 */
record CompactedLog(FileChannel channel, long end)
{
    /**
     * Writes {@code kept} to {@code temporary} and forces it; fills {@code rewritten} with their new offsets. On
     * failure the temporary file is deleted and the log is unchanged (an interrupt sent to the compacting thread
     * meanwhile closes only the temporary file's channel, never the log's).
     */
    static CompactedLog write(final Path temporary, final List<Checkpoint> kept, final List<Checkpoint> rewritten)
        throws IOException
    {
        final FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try
        {
            long at = 0;
            for (final Checkpoint checkpoint : kept)
            {
                final ByteBuffer entry = CheckpointDescriptor.encode(checkpoint.id(), checkpoint.timestampNanos(),
                    checkpoint.positions());
                rewritten.add(new Checkpoint(checkpoint.id(), checkpoint.timestampNanos(), checkpoint.positions(), at));
                while (entry.hasRemaining())
                {
                    at += out.write(entry, at);
                }
            }
            out.force(true);
            return new CompactedLog(out, at);
        }
        catch (final ClosedByInterruptException e)
        {
            final IOException failure = new IOException("compacting " + CheckpointLog.FILE_NAME + " failed: the "
                + "thread was interrupted while it wrote " + temporary + "; the log is unchanged", e);
            discard(out, temporary, failure);
            throw failure;
        }
        catch (final IOException | RuntimeException e)
        {
            discard(out, temporary, e);
            throw e;
        }
    }

    /** Closes and deletes a compaction's temporary file after {@code failure}, adding what else fails to it. */
    static void discard(final FileChannel channel, final Path temporary, final Exception failure)
    {
        try
        {
            channel.close();
            Files.deleteIfExists(temporary);
        }
        catch (final IOException e)
        {
            failure.addSuppressed(e);
        }
    }
}
