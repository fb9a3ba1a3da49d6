package io.shardwal.mmap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this process has mapped, from /proc/self/smaps (Linux); tests that need it skip without it. */
public final class ProcessMappings
{
    private static final Path SMAPS = Path.of("/proc/self/smaps");

    private ProcessMappings()
    {
    }

    /** Kilobytes of {@code file}'s first mapping in this process's page tables (its Rss), or 0 if none is shown. */
    public static long residentKib(final Path file) throws IOException
    {
        if (!Files.isReadable(SMAPS))
        {
            return 0;
        }
        final String name = file.toAbsolutePath().toString();
        boolean inMapping = false;
        for (final String line : Files.readAllLines(SMAPS))
        {
            if (line.endsWith(" " + name))
            {
                inMapping = true;
            }
            else if (inMapping && line.startsWith("Rss:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }
}
