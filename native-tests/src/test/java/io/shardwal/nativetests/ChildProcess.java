package io.shardwal.nativetests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A child JVM running one of the {@code main} classes of the native tests, with the test JVM's own JDK and
 * classpath. Its stdout is read line by line on a thread of its own (so the child never blocks on a full pipe):
 * lines a {@code lineFilter} consumes go there (acks), the others are kept for {@link #awaitLine}. Only lines
 * ending in a newline count — a line cut short by a SIGKILL is discarded, never half-parsed. Stderr is kept too.
 *
 * <p>A JVM crash fails the test: every child writes its {@code hs_err} file into a known directory and
 * {@link #assertNoCrash} looks there and in stderr.
 *
 * <p><b>Threads.</b> One test thread drives a child; the reader threads only append to its line lists.
 */
final class ChildProcess implements AutoCloseable
{
    static final String NATIVE_ACCESS_FLAG = "--enable-native-access=ALL-UNNAMED";
    private static final int KEPT_STDERR_LINES = 2000;
    private static final String FATAL_ERROR_MARKER = "A fatal error has been detected by the Java Runtime";
    private static final long SIGKILL_EXIT_CODE = 128 + 9;

    private final Process process;
    private final List<String> command;
    private final Path crashDirectory;
    private final Predicate<String> lineFilter;
    private final List<String> lines = new ArrayList<>();
    private final ArrayDeque<String> stderr = new ArrayDeque<>();
    private final Thread stdoutReader;
    private final Thread stderrReader;
    private int awaited;
    private boolean stdoutEnded;
    private int discardedPartialLines;
    private RuntimeException consumerFailure;

    private ChildProcess(final List<String> command, final Path crashDirectory, final Predicate<String> lineFilter)
        throws IOException
    {
        this.command = List.copyOf(command);
        this.crashDirectory = crashDirectory;
        this.lineFilter = lineFilter;
        this.process = new ProcessBuilder(command).start();
        this.stdoutReader = Thread.ofPlatform().daemon().name("child-" + process.pid() + "-stdout")
            .start(() -> readLines(process.getInputStream(), this::onStdoutLine, true));
        this.stderrReader = Thread.ofPlatform().daemon().name("child-" + process.pid() + "-stderr")
            .start(() -> readLines(process.getErrorStream(), this::onStderrLine, false));
    }

    /** A child running {@code mainClass} with {@code args}, native access enabled, a 192 MiB heap (by default). */
    static Builder of(final Class<?> mainClass, final Path crashDirectory, final String... args)
    {
        return new Builder(mainClass, crashDirectory, List.of(args));
    }

    /** Sets up and starts a child. */
    static final class Builder
    {
        private final Class<?> mainClass;
        private final Path crashDirectory;
        private final List<String> args;
        private boolean nativeAccess = true;
        private boolean quickStart;
        private int maxHeapMiB = 192;
        private Predicate<String> lineFilter = line -> false;

        private Builder(final Class<?> mainClass, final Path crashDirectory, final List<String> args)
        {
            this.mainClass = mainClass;
            this.crashDirectory = crashDirectory;
            this.args = args;
        }

        /** Whether the child gets {@value #NATIVE_ACCESS_FLAG} (default: yes). */
        Builder nativeAccess(final boolean value)
        {
            nativeAccess = value;
            return this;
        }

        /**
         * Compiles with C1 only: a child that lives a fraction of a second spends most of its CPU on startup and
         * C2 compilations it never profits from. The memory-ordering contract the log relies on (VarHandle
         * access modes) holds under every compiler.
         */
        Builder quickStart()
        {
            quickStart = true;
            return this;
        }

        /** The child's maximum heap (default 192 MiB). */
        Builder maxHeapMiB(final int value)
        {
            maxHeapMiB = value;
            return this;
        }

        /** Stdout lines the filter returns true for are consumed by it (on the reader thread), not kept. */
        Builder lineFilter(final Predicate<String> value)
        {
            lineFilter = value;
            return this;
        }

        ChildProcess start()
        {
            final List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            if (nativeAccess)
            {
                command.add(NATIVE_ACCESS_FLAG);
            }
            if (quickStart)
            {
                command.add("-XX:TieredStopAtLevel=1");
            }
            command.addAll(List.of("-Xmx" + maxHeapMiB + "m", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                "-XX:-CreateCoredumpOnCrash",
                "-XX:ErrorFile=" + crashDirectory.resolve("hs_err_pid%p.log"),
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", System.getProperty("java.class.path"), mainClass.getName()));
            command.addAll(args);
            try
            {
                Files.createDirectories(crashDirectory);
                return new ChildProcess(command, crashDirectory, lineFilter);
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException("cannot start " + command, e);
            }
        }
    }

    long pid()
    {
        return process.pid();
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * Waits for the next kept stdout line (after the ones already awaited) that matches; lines in between are
     * skipped. Fails if the child's stdout ends first or the time runs out.
     */
    String awaitLine(final Predicate<String> match, final Duration timeout)
    {
        final String line = pollLine(match, timeout);
        if (line == null)
        {
            throw new AssertionError("child " + pid() + " did not print the expected line within " + timeout
                + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")") + "\n" + describe());
        }
        return line;
    }

    /** Like {@link #awaitLine} but returns null instead of failing. */
    synchronized String pollLine(final Predicate<String> match, final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            while (awaited < lines.size())
            {
                final String line = lines.get(awaited++);
                if (match.test(line))
                {
                    return line;
                }
            }
            final long left = deadline - System.nanoTime();
            if (stdoutEnded || left <= 0)
            {
                return null;
            }
            try
            {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /** Every kept stdout line so far. */
    synchronized List<String> lines()
    {
        return List.copyOf(lines);
    }

    /** Stderr so far (its last {@value #KEPT_STDERR_LINES} lines). */
    synchronized List<String> stderrLines()
    {
        return List.copyOf(stderr);
    }

    synchronized int discardedPartialLines()
    {
        return discardedPartialLines;
    }

    /** Sends one line to the child's stdin. */
    void send(final String line)
    {
        try
        {
            final OutputStream stdin = process.getOutputStream();
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot write to child " + pid() + "\n" + describe(), e);
        }
    }

    /** Closes the child's stdin (children read it to know when to stop). */
    void closeStdin()
    {
        try
        {
            process.getOutputStream().close();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot close the stdin of child " + pid(), e);
        }
    }

    /**
     * SIGKILLs the child (if it still runs) and waits until it is gone and every line it printed before has been
     * read; returns its exit code. The signal goes through the {@link ProcessHandle}: {@link Process#destroyForcibly}
     * would also close our end of the child's stdout, dropping whatever it printed that the reader had not read yet
     * (acknowledgements the checks then never see).
     */
    int kill()
    {
        process.toHandle().destroyForcibly();
        final int code = awaitTermination(Duration.ofSeconds(30));
        try
        {
            process.getOutputStream().close();
        }
        catch (final IOException e)
        {
            // the child is gone; its stdin has nobody left to read it
        }
        return code;
    }

    /**
     * Asserts that the child was still running when it was killed: a child that exited by itself before its kill
     * (a crash, an uncaught error) fails the test.
     */
    void killAndExpectSigkill()
    {
        final boolean wasAlive = process.isAlive();
        final int code = kill();
        if (!wasAlive || code != SIGKILL_EXIT_CODE)
        {
            throw new AssertionError("child " + pid() + " was expected to run until killed but exited with " + code
                + "\n" + describe());
        }
    }

    /** Waits for the child to exit by itself; kills it and fails if it does not within {@code timeout}. */
    int awaitExit(final Duration timeout)
    {
        try
        {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS))
            {
                kill();
                throw new AssertionError("child " + pid() + " did not exit within " + timeout + "\n" + describe());
            }
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            kill();
            throw new AssertionError("interrupted while waiting for child " + pid(), e);
        }
        return awaitTermination(Duration.ofSeconds(30));
    }

    private int awaitTermination(final Duration timeout)
    {
        try
        {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS))
            {
                throw new AssertionError("child " + pid() + " survived SIGKILL for " + timeout);
            }
            stdoutReader.join(timeout.toMillis());
            stderrReader.join(timeout.toMillis());
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for child " + pid(), e);
        }
        synchronized (this)
        {
            if (consumerFailure != null)
            {
                throw new AssertionError("the output of child " + pid() + " could not be taken in", consumerFailure);
            }
        }
        return process.exitValue();
    }

    /** Fails if the child crashed the JVM: an hs_err file of its pid, or the fatal-error banner on stderr. */
    void assertNoCrash()
    {
        final Path errorFile = crashDirectory.resolve("hs_err_pid" + pid() + ".log");
        final boolean banner = stderrLines().stream().anyMatch(line -> line.contains(FATAL_ERROR_MARKER));
        if (Files.exists(errorFile) || banner)
        {
            String head = "";
            try
            {
                head = Files.exists(errorFile) ? String.join("\n", Files.readAllLines(errorFile).subList(0,
                    Math.min(30, Files.readAllLines(errorFile).size()))) : "";
            }
            catch (final IOException | RuntimeException e)
            {
                head = "(cannot read " + errorFile + ": " + e + ")";
            }
            throw new AssertionError("child " + pid() + " crashed the JVM (" + errorFile + ")\n" + head + "\n"
                + describe());
        }
    }

    /** Fails if any child of this directory left an hs_err file. */
    static void assertNoCrashFiles(final Path crashDirectory)
    {
        if (!Files.isDirectory(crashDirectory))
        {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(crashDirectory, "hs_err_pid*.log"))
        {
            for (final Path file : files)
            {
                throw new AssertionError("a child JVM crashed: " + file);
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** Command line, last stdout lines and last stderr lines, for failure messages. */
    String describe()
    {
        final List<String> out = lines();
        final List<String> err = stderrLines();
        return "command: " + String.join(" ", command) + "\n--- last stdout lines:\n"
            + String.join("\n", out.subList(Math.max(0, out.size() - 15), out.size())) + "\n--- last stderr lines:\n"
            + String.join("\n", err.subList(Math.max(0, err.size() - 40), err.size()));
    }

    @Override
    public void close()
    {
        if (process.isAlive())
        {
            kill();
        }
    }

    private void onStdoutLine(final String line)
    {
        if (lineFilter.test(line))
        {
            return;
        }
        synchronized (this)
        {
            lines.add(line);
            notifyAll();
        }
    }

    private synchronized void onStderrLine(final String line)
    {
        if (stderr.size() == KEPT_STDERR_LINES)
        {
            stderr.removeFirst();
        }
        stderr.addLast(line);
    }

    private void readLines(final InputStream in, final Consumer<String> sink, final boolean stdout)
    {
        final byte[] buffer = new byte[1 << 16];
        byte[] pending = new byte[256];
        int pendingLength = 0;
        try (in)
        {
            int read;
            while ((read = in.read(buffer)) >= 0)
            {
                int start = 0;
                for (int i = 0; i < read; i++)
                {
                    if (buffer[i] != '\n')
                    {
                        continue;
                    }
                    final String line;
                    if (pendingLength > 0)
                    {
                        pending = ensure(pending, pendingLength + i - start);
                        System.arraycopy(buffer, start, pending, pendingLength, i - start);
                        line = new String(pending, 0, pendingLength + i - start, StandardCharsets.UTF_8);
                        pendingLength = 0;
                    }
                    else
                    {
                        line = new String(buffer, start, i - start, StandardCharsets.UTF_8);
                    }
                    consume(sink, line);
                    start = i + 1;
                }
                pending = ensure(pending, pendingLength + read - start);
                System.arraycopy(buffer, start, pending, pendingLength, read - start);
                pendingLength += read - start;
            }
        }
        catch (final IOException e)
        {
            // the pipe closed under us: the child is gone
        }
        finally
        {
            synchronized (this)
            {
                if (pendingLength > 0)
                {
                    discardedPartialLines++;
                }
                if (stdout)
                {
                    stdoutEnded = true;
                }
                notifyAll();
            }
        }
    }

    /** A consumer that throws must not stop the draining (the child would die of a broken pipe): keep the error. */
    private void consume(final Consumer<String> sink, final String line)
    {
        try
        {
            sink.accept(line);
        }
        catch (final RuntimeException e)
        {
            synchronized (this)
            {
                if (consumerFailure == null)
                {
                    consumerFailure = new IllegalStateException("could not take in the line '" + line + "'", e);
                }
            }
        }
    }

    private static byte[] ensure(final byte[] bytes, final int length)
    {
        return length <= bytes.length ? bytes : Arrays.copyOf(bytes, Math.max(length, bytes.length * 2));
    }
}
