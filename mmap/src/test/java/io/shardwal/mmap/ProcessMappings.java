package io.shardwal.mmap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

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

    /**
     * Waits up to {@code timeout} for {@code file}'s mapping to have at least {@code kib} KiB resident (background
     * work such as a pretouch); returns the KiB resident when it stopped waiting.
     */
    public static long awaitResidentKib(final Path file, final long kib, final Duration timeout)
        throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        long resident = residentKib(file);
        while (resident < kib && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
            resident = residentKib(file);
        }
        return resident;
    }
}
