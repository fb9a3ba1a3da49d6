package io.shardwal.mmap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Small files of a log's directory (manifest, HEAD, prune guard) replaced so that a crash leaves either the old or
 * the new contents, never a mix or a torn file: the contents go to {@code NAME.tmp}, which is forced, renamed over
 * {@code NAME}, and then the directory is synced so the rename itself survives. A crash before the rename leaves the
 * old file and a stray {@code .tmp}, which the next replacement overwrites.
 *
 * <p><b>Threads.</b> Stateless; callers serialise replacements of one file (the writer's lock does).
 */
public final class DurableFiles
{
    private DurableFiles()
    {
    }

    /** Replaces {@code directory/name} with {@code contents} durably; the caller's interrupt is set aside meanwhile. */
    public static void replace(final Path directory, final String name, final byte[] contents) throws IOException
    {
        Uninterrupted.run(() ->
        {
            final Path temporary = directory.resolve(name + ".tmp");
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))
            {
                final ByteBuffer bytes = ByteBuffer.wrap(contents);
                while (bytes.hasRemaining())
                {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.move(temporary, directory.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            MappedSegment.syncDirectory(directory);
        });
    }
}
