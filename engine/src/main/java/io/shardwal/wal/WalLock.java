package io.shardwal.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.shardwal.mmap.ShardwalException;

/**
 * The {@code LOCK} file: an exclusive, process-wide writer lock ({@code fcntl} through {@link FileLock}, released by
 * the kernel when the holder dies), plus a registry that also refuses a second writer in the same JVM. The file's
 * text names the holder (pid, boot id, start time) and whether it closed cleanly:
 *
 * <pre>
 * pid=4242
 * boot=0b6f2f8e-...
 * started=2026-11-22T10:00:00Z
 * state=open
 * </pre>
 *
 * On open, the previous text tells recovery what kind of stop preceded it: {@code state=closed} a clean close;
 * {@code creating} none (see below); {@code open} with the same boot id a process crash (the page cache survived:
 * nothing lies past a segment's tail counter); anything else a possible operating-system crash (scan whole
 * segments). Read-only openers take no lock.
 *
 * <p>Recovering from a possible OS crash writes {@code state=recovering} and only {@link #markRecovered()} turns it
 * into {@code open}: if that recovery fails or the process dies during it, the next open still scans whole segments
 * instead of taking the stop for a process crash and trusting tail counters the OS crash may have left stale.
 *
 * <p>The first open of a new log writes {@code state=creating} before the log's manifest exists, and so does every
 * open after it until one finishes: only {@link #markRecovered()}, once every shard has its first segment, turns it
 * into {@code open}. A log whose {@code LOCK} says {@code creating} was therefore never open for appends and never
 * held a record: it is the only log in which a shard without segment files is not a loss.
 */
final class WalLock implements AutoCloseable
{
    static final String FILE_NAME = "LOCK";
    private static final String RECOVERING = "recovering";
    private static final String CREATING = "creating";
    private static final Set<Path> HELD_IN_THIS_JVM = ConcurrentHashMap.newKeySet();
    /** How long a writer's open retries a refused lock before calling the log held: far above any probe. */
    private static final long PROBE_PATIENCE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long PROBE_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** How the previous writer stopped. */
    enum PreviousStop
    {
        /** No previous writer finished opening the log (a new log, or one whose creation did not finish). */
        NONE,
        /** Closed cleanly. */
        CLEAN,
        /** Crashed, same boot: the page cache survived. */
        PROCESS_CRASH,
        /** Crashed in a way the page cache may not have survived (another boot, or unknown). */
        POSSIBLE_OS_CRASH
    }

    private final Path file;
    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private final PreviousStop previousStop;
    private final String startedAt = Instant.now().toString();
    /** Whether {@link #markRecovered()} ran: this open finished a new log's creation. */
    private boolean recovered;

    private WalLock(final Path file, final Path key, final FileChannel channel, final FileLock lock,
        final PreviousStop previousStop)
    {
        this.file = file;
        this.key = key;
        this.channel = channel;
        this.lock = lock;
        this.previousStop = previousStop;
    }

    /**
     * @param existing whether the directory held a log before this open; an existing log whose LOCK is empty or
     *                 missing may have lost it in a crash, so its stop is treated as a possible OS crash.
     */
    static WalLock acquire(final Path directory, final boolean existing) throws IOException
    {
        final Path key = directory.toRealPath();
        final Path file = directory.resolve(FILE_NAME);
        if (!HELD_IN_THIS_JVM.add(key))
        {
            throw new ShardwalException(ShardwalException.Category.LOCKED, "the log is already open for writing "
                + "in this JVM (close that ShardedWal first, or open read-only)", file, ShardwalException.NO_OFFSET);
        }
        FileChannel channel = null;
        try
        {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
            final FileLock lock = lockWaitingOutProbes(channel, file);
            final String previous = readText(channel);
            final WalLock walLock = new WalLock(file, key, channel, lock, classify(previous, existing));
            walLock.write(switch (walLock.previousStop)
            {
                case POSSIBLE_OS_CRASH -> RECOVERING;
                case NONE -> CREATING;
                default -> "open";
            });
            return walLock;
        }
        catch (final IOException | RuntimeException e)
        {
            if (channel != null)
            {
                channel.close();
            }
            HELD_IN_THIS_JVM.remove(key);
            throw e;
        }
    }

    /**
     * Takes the exclusive lock. {@link #holder} probes with a shared lock that it holds for microseconds, so a
     * refusal is retried for {@link #PROBE_PATIENCE_NANOS}: a tool asking who writes must not make a writer's open
     * fail, while a real holder keeps the lock for its lifetime and is reported after that short wait.
     */
    private static FileLock lockWaitingOutProbes(final FileChannel channel, final Path file) throws IOException
    {
        final long deadline = System.nanoTime() + PROBE_PATIENCE_NANOS;
        while (true)
        {
            boolean inThisJvm = false;
            FileLock lock;
            try
            {
                lock = channel.tryLock();
            }
            catch (final OverlappingFileLockException e)
            {
                lock = null;
                inThisJvm = true; // no writer here (checked by the caller): a probe, or the application's own lock
            }
            if (lock != null)
            {
                return lock;
            }
            if (System.nanoTime() - deadline >= 0)
            {
                throw inThisJvm ? locked(file, "by this JVM")
                    : locked(file, "by another process (" + describeHolder(readText(channel)) + ")");
            }
            LockSupport.parkNanos(PROBE_RETRY_NANOS);
        }
    }

    /**
     * Who holds the lock of {@code directory} right now, or null if nobody does (probes with a shared lock, so it
     * needs no write permission and never blocks).
     */
    static String holder(final Path directory) throws IOException
    {
        final Path file = directory.resolve(FILE_NAME);
        if (!Files.exists(file))
        {
            return null;
        }
        if (HELD_IN_THIS_JVM.contains(directory.toRealPath()))
        {
            return "this JVM (pid " + ProcessHandle.current().pid() + ")";
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final FileLock probe;
            try
            {
                probe = channel.tryLock(0, Long.MAX_VALUE, true);
            }
            catch (final OverlappingFileLockException e)
            {
                return "this JVM (pid " + ProcessHandle.current().pid() + ")";
            }
            if (probe != null)
            {
                probe.release();
                return null;
            }
            return describeHolder(readText(channel));
        }
        catch (final java.nio.file.NoSuchFileException e)
        {
            return null;
        }
    }

    PreviousStop previousStop()
    {
        return previousStop;
    }

    /**
     * Undoes this open's mark after the open failed: a log that was closed cleanly stays so, instead of being
     * reported as crashed next time; after a crash the mark written on open already describes that crash, and a
     * creation that did not finish stays {@code creating} (a finished one, whose open failed later, is closed).
     */
    void restoreAfterFailedOpen() throws IOException
    {
        if (previousStop == PreviousStop.CLEAN || (previousStop == PreviousStop.NONE && recovered))
        {
            write("closed");
        }
    }

    /**
     * Recovery finished (every shard has its first segment): from now on a stop without a clean close is a crash
     * of this writer, and a new log's creation is over.
     */
    void markRecovered() throws IOException
    {
        if (previousStop == PreviousStop.POSSIBLE_OS_CRASH || previousStop == PreviousStop.NONE)
        {
            write("open");
        }
        recovered = true;
    }

    /** Records a clean close; the caller has synced everything first. */
    void markClean() throws IOException
    {
        write("closed");
    }

    @Override
    public void close() throws IOException
    {
        try
        {
            lock.release();
            channel.close();
        }
        finally
        {
            HELD_IN_THIS_JVM.remove(key);
        }
    }

    private void write(final String state) throws IOException
    {
        final String text = "pid=" + ProcessHandle.current().pid() + "\nboot=" + bootId() + "\nstarted=" + startedAt
            + "\nstate=" + state + "\n";
        // Overwrite, then cut to length: a crash in between leaves the old text or a mix whose "state" is still
        // the old one (the stop it describes), never an empty file.
        final ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        long position = 0;
        while (bytes.hasRemaining())
        {
            position += channel.write(bytes, position);
        }
        channel.truncate(position);
        channel.force(true);
    }

    private static PreviousStop classify(final String previous, final boolean existing)
    {
        return classify(parse(previous), existing);
    }

    static PreviousStop classify(final Map<String, String> fields, final boolean existing)
    {
        if (fields.isEmpty())
        {
            return existing ? PreviousStop.POSSIBLE_OS_CRASH : PreviousStop.NONE;
        }
        if ("closed".equals(fields.get("state")))
        {
            return PreviousStop.CLEAN;
        }
        if (CREATING.equals(fields.get("state")))
        {
            return PreviousStop.NONE; // no open finished: the log never held a record
        }
        if (RECOVERING.equals(fields.get("state")))
        {
            return PreviousStop.POSSIBLE_OS_CRASH; // an earlier recovery from one did not finish
        }
        final String boot = bootId();
        return boot != null && boot.equals(fields.get("boot")) ? PreviousStop.PROCESS_CRASH
            : PreviousStop.POSSIBLE_OS_CRASH;
    }

    /**
     * Whether an open of the existing log in {@code directory} may have finished: false only while its LOCK says
     * that the log's creation did not (an empty or missing LOCK cannot say so). Reads only, takes no lock.
     */
    static boolean mayHaveOpened(final Path directory) throws IOException
    {
        return classify(fields(directory), true) != PreviousStop.NONE;
    }

    /** The fields of {@code directory/LOCK}, in file order; empty if there is none or it is empty. */
    static Map<String, String> fields(final Path directory) throws IOException
    {
        final Path file = directory.resolve(FILE_NAME);
        return Files.exists(file) ? parse(Files.readString(file, StandardCharsets.UTF_8)) : Map.of();
    }

    private static String describeHolder(final String text)
    {
        final Map<String, String> fields = parse(text);
        return "pid " + fields.getOrDefault("pid", "?") + ", writing since " + fields.getOrDefault("started", "?");
    }

    private static Map<String, String> parse(final String text)
    {
        final Map<String, String> fields = new LinkedHashMap<>();
        for (final String line : text.split("\n"))
        {
            final int equals = line.indexOf('=');
            if (equals > 0)
            {
                fields.put(line.substring(0, equals).strip(), line.substring(equals + 1).strip());
            }
        }
        return fields;
    }

    private static String readText(final FileChannel channel) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate((int)Math.min(channel.size(), 4096));
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }

    /** The kernel's boot id, or null where there is none (not Linux). */
    static String bootId()
    {
        try
        {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        }
        catch (final IOException | RuntimeException e)
        {
            return null;
        }
    }

    private static ShardwalException locked(final Path file, final String holder)
    {
        return new ShardwalException(ShardwalException.Category.LOCKED, "the log is locked for writing " + holder
            + "; a log has one writer at a time (open it read-only to tail it)", file, ShardwalException.NO_OFFSET);
    }

    @Override
    public String toString()
    {
        return "WalLock{" + file + '}';
    }
}
