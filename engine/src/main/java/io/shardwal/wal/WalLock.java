package io.shardwal.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.shardwal.mmap.ShardwalException;
import io.shardwal.mmap.Uninterrupted;

/**
 * The {@code LOCK} file: an exclusive, process-wide writer lock ({@code fcntl} through {@link FileLock}, released by
 * the kernel when the holder dies), plus a registry that also refuses a second writer in the same JVM. The file's
 * record ({@link LockFileDescriptor}) names the holder (pid, boot id, start time) and whether it closed cleanly:
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
 *
 * <p><b>Readers</b> (read-only opens, tools) take no lock and may read while a writer in another thread or process
 * rewrites the record: the lock stays on the file's inode, so the record is rewritten in place (one positional write
 * of the whole record), never replaced by a rename, and a read that the checksum shows torn is read again, for at
 * most {@link #TORN_READ_PATIENCE_NANOS}; a record that stays damaged is a CORRUPT error naming the file.
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
    /** How long a reader reads a torn record again: a rewrite is one small write, far shorter unless descheduled. */
    static final long TORN_READ_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long TORN_READ_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** How long a description of the holder for a message reads a torn record again before taking it as it is. */
    private static final long DESCRIBE_PATIENCE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

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
            // Under the lock nobody rewrites it: a record failing its checksum is damage, not a read racing a write
            final byte[] previous = read(channel);
            final Map<String, String> fields = LockFileDescriptor.decode(previous);
            final WalLock walLock = new WalLock(file, key, channel, lock,
                classify(fields != null ? fields : LockFileDescriptor.decodeDamaged(previous), existing));
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
                    : locked(file, "by another process (" + describeHolder(channel) + ")");
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
            return describeHolder(channel);
        }
        catch (final NoSuchFileException e)
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

    /**
     * Replaces the record with one positional write of the whole record over the old one: a reader sees the old
     * record, the new one, or a mix that fails the checksum; a crash leaves one of the two whole (a small write
     * within one page), never an empty file. Only the first write over an earlier version's text, or over an empty
     * file, changes the file's length.
     */
    private void write(final String state) throws IOException
    {
        final Map<String, String> fields = new LinkedHashMap<>();
        fields.put("pid", Long.toString(ProcessHandle.current().pid()));
        fields.put("boot", String.valueOf(bootId()));
        fields.put("started", startedAt);
        fields.put("state", state);
        final ByteBuffer bytes = ByteBuffer.wrap(LockFileDescriptor.encode(fields));
        while (bytes.hasRemaining())
        {
            channel.write(bytes, bytes.position());
        }
        if (channel.size() > LockFileDescriptor.RECORD_LENGTH)
        {
            channel.truncate(LockFileDescriptor.RECORD_LENGTH);
        }
        channel.force(true);
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

    /**
     * The fields of {@code directory/LOCK}, in file order; empty if there is none or it is empty. Takes no lock: a
     * read torn by a writer rewriting the file right now is read again (see the class comment).
     *
     * @throws ShardwalException CORRUPT naming the file if its record stays damaged for
     *                           {@link #TORN_READ_PATIENCE_NANOS}.
     */
    static Map<String, String> fields(final Path directory) throws IOException
    {
        final Path file = directory.resolve(FILE_NAME);
        final byte[] bytes;
        try
        {
            bytes = readWhole(() ->
            {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
                {
                    return read(channel);
                }
            }, TORN_READ_PATIENCE_NANOS);
        }
        catch (final NoSuchFileException e)
        {
            return Map.of();
        }
        final Map<String, String> fields = LockFileDescriptor.decode(bytes);
        if (fields != null)
        {
            return fields;
        }
        if (LockFileDescriptor.isRecord(bytes))
        {
            throw new ShardwalException(ShardwalException.Category.CORRUPT, "LOCK holds a damaged record ("
                + bytes.length + " bytes, its checksum does not hold) that no writer rewrote for "
                + TimeUnit.NANOSECONDS.toMillis(TORN_READ_PATIENCE_NANOS) + " ms: it cannot tell whether "
                + "the log's creation finished or how its last writer stopped (an open for writing takes "
                + "the stop for a possible OS crash and writes it anew)", file, 0);
        }
        return LockFileDescriptor.decodeDamaged(bytes);
    }

    /** "pid N, writing since T" for a message, from a record read whole if a few reads get one, else as it is. */
    private static String describeHolder(final FileChannel channel) throws IOException
    {
        final byte[] bytes = readWhole(() -> read(channel), DESCRIBE_PATIENCE_NANOS);
        final Map<String, String> whole = LockFileDescriptor.decode(bytes);
        final Map<String, String> fields = whole != null ? whole : LockFileDescriptor.decodeDamaged(bytes);
        return "pid " + fields.getOrDefault("pid", "?") + ", writing since " + fields.getOrDefault("started", "?");
    }

    /**
     * Reads LOCK's bytes with {@code read} until they decode (a whole record, or an earlier version's whole text),
     * again every {@link #TORN_READ_RETRY_NANOS} for at most {@code patienceNanos}; returns the last read.
     */
    private static byte[] readWhole(final Uninterrupted.IoCall<byte[]> read, final long patienceNanos)
        throws IOException
    {
        final long deadline = System.nanoTime() + patienceNanos;
        byte[] bytes = read.call();
        while (LockFileDescriptor.decode(bytes) == null && System.nanoTime() - deadline < 0)
        {
            LockSupport.parkNanos(TORN_READ_RETRY_NANOS);
            bytes = read.call();
        }
        return bytes;
    }

    /** The file's bytes in one read (a record is one write: one read sees it whole unless a write races it). */
    private static byte[] read(final FileChannel channel) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(4096);
        int read = channel.read(buffer, 0);
        while (read > 0 && buffer.hasRemaining())
        {
            read = channel.read(buffer, buffer.position());
        }
        return Arrays.copyOf(buffer.array(), buffer.position());
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
