package io.shardwal.nativetests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs the test mounts under {@code target/}, to fill it up: a real file system that runs out of space,
 * without touching the machine's disks. Needs Linux and root (or CAP_SYS_ADMIN); where the mount is refused the
 * test is skipped with the exact reason. {@link #close()} unmounts, also after a failure.
 */
final class TmpfsMount implements AutoCloseable
{
    private static final String NO_SPACE = "No space left on device";

    private final Path path;
    private boolean mounted;
    private int ballasts;

    private TmpfsMount(final Path path)
    {
        this.path = path;
        this.mounted = true;
    }

    /** Mounts a tmpfs of {@code sizeBytes} at {@code path} (created if needed), or skips the test saying why not. */
    static TmpfsMount mountOrSkip(final Path path, final long sizeBytes)
    {
        final String refusal = mount(path, sizeBytes);
        Assumptions.assumeTrue(refusal == null, "cannot mount a tmpfs at " + path + " to fill it up: " + refusal);
        return checked(new TmpfsMount(path));
    }

    /** Mounts a tmpfs of {@code sizeBytes} at {@code path}, or returns null if this machine does not let us. */
    static TmpfsMount tryMount(final Path path, final long sizeBytes)
    {
        return mount(path, sizeBytes) == null ? checked(new TmpfsMount(path)) : null;
    }

    /** Mounts; returns null, or why it could not. */
    private static String mount(final Path path, final long sizeBytes)
    {
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux"))
        {
            return "a tmpfs needs Linux; this is " + os;
        }
        try
        {
            Files.createDirectories(path);
            unmountLeftover(path);
            final Result result = run("mount", "-t", "tmpfs", "-o", "size=" + sizeBytes + ",mode=0755",
                "shardwal-test", path.toString());
            return result.code() == 0 ? null : "`mount` exited with " + result.code() + ": " + result.output().strip()
                + " (mounting needs root or CAP_SYS_ADMIN)";
        }
        catch (final IOException e)
        {
            return e.toString();
        }
    }

    private static TmpfsMount checked(final TmpfsMount mount)
    {
        final Path path = mount.path;
        try
        {
            final String type = Files.getFileStore(path).type();
            if (!"tmpfs".equals(type))
            {
                throw new IllegalStateException("mounted a tmpfs at " + path + " but the file store there is " + type);
            }
        }
        catch (final IOException | RuntimeException e)
        {
            mount.close();
            throw new IllegalStateException("the tmpfs at " + path + " is not usable", e);
        }
        return mount;
    }

    Path path()
    {
        return path;
    }

    long usableSpace()
    {
        try
        {
            return Files.getFileStore(path).getUsableSpace();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Leaves exactly {@code freeBytes} (rounded up to pages) free: reserves them in a file, fills the rest of the
     * file system with {@code ballast} until it reports "No space left on device", then deletes the reserve.
     *
     * @return the ballast file (a new one on each call); delete it to give the space back.
     */
    Path fillLeaving(final long freeBytes)
    {
        final Path reserve = path.resolve("reserve");
        final Path ballast = path.resolve("ballast-" + ballasts++);
        try
        {
            if (freeBytes > 0)
            {
                try (FileChannel channel = FileChannel.open(reserve, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE))
                {
                    writeZeros(channel, freeBytes);
                }
            }
            try (FileChannel channel = FileChannel.open(ballast, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE))
            {
                try
                {
                    while (true)
                    {
                        // a write that does not fit is cut short by the kernel; the next one fails
                        writeZeros(channel, 1 << 20);
                    }
                }
                catch (final IOException e)
                {
                    if (!String.valueOf(e.getMessage()).contains(NO_SPACE))
                    {
                        throw e;
                    }
                }
            }
            Files.deleteIfExists(reserve);
            return ballast;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot fill " + path, e);
        }
    }

    private static void writeZeros(final FileChannel channel, final long length) throws IOException
    {
        final ByteBuffer zeros = ByteBuffer.allocate((int)Math.min(length, 1 << 20));
        long left = length;
        while (left > 0)
        {
            zeros.clear().limit((int)Math.min(left, zeros.capacity()));
            while (zeros.hasRemaining())
            {
                left -= channel.write(zeros);
            }
        }
    }

    /** Unmounts (lazily if something still holds it open); idempotent. */
    @Override
    public void close()
    {
        if (!mounted)
        {
            return;
        }
        mounted = false;
        try
        {
            if (run("umount", path.toString()).code() != 0)
            {
                final Result lazy = run("umount", "-l", path.toString());
                if (lazy.code() != 0)
                {
                    throw new IllegalStateException("cannot unmount the test tmpfs at " + path + ": "
                        + lazy.output().strip());
                }
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot unmount the test tmpfs at " + path, e);
        }
    }

    /** A tmpfs a killed earlier run left mounted here is unmounted first. */
    private static void unmountLeftover(final Path path) throws IOException
    {
        final Path mounts = Path.of("/proc/self/mounts");
        if (!Files.isReadable(mounts))
        {
            return;
        }
        final String target = " " + path.toRealPath() + " ";
        final List<String> lines = Files.readAllLines(mounts, StandardCharsets.UTF_8);
        for (final String line : lines)
        {
            if (line.startsWith("shardwal-test ") && line.contains(target))
            {
                run("umount", "-l", path.toString());
            }
        }
    }

    private record Result(int code, String output)
    {
    }

    private static Result run(final String... command) throws IOException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try
        {
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within 30 s");
            }
            return new Result(process.exitValue(), output);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", command), e);
        }
    }
}
