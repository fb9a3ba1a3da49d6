package io.shardwal.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.ShardwalException;
import io.shardwal.mmap.Uninterrupted;

/**
 * {@code checkpoints.log} and {@code HEAD}: every checkpoint of a log, in the order they were created.
 *
 * <p>On open the whole log is read and validated. A torn tail — what a crash during an append leaves — is cut
 * back to the last valid entry (writable opens) so later entries follow valid ones, and reported; a damaged entry
 * followed by valid ones is skipped and reported, never used; an entry covering another shard count is refused.
 * The latest checkpoint is the newest valid entry in log order (never the newest timestamp): HEAD, which names
 * it for tools, is rewritten when it is missing, unreadable or stale.
 *
 * <p>Ids are unique: creating a checkpoint with an id the log holds is refused (an id can be used again once
 * compaction has removed it).
 *
 * <p><b>Threads.</b> Thread-safe. Appends and compaction hold one lock, so a checkpoint created while the log is
 * compacted is never lost; reads see a consistent list.
 */
public final class CheckpointLog implements AutoCloseable
{
    public static final String FILE_NAME = "checkpoints.log";
    private static final String COMPACTING = FILE_NAME + ".tmp";

    /** Something open found and (for writable opens) dealt with. */
    public record Problem(long offset, long bytes, String kind, String detail)
    {
        @Override
        public String toString()
        {
            return kind + " at offset " + offset + " of " + FILE_NAME + " (" + bytes + " bytes): " + detail;
        }
    }

    /** What {@link #compact} did. */
    public record Compaction(int before, int after, long bytesBefore, long bytesAfter)
    {
    }

    private final Path directory;
    private final Path file;
    private final int shardCount;
    private final boolean writable;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Checkpoint> entries = new ArrayList<>();
    private final Map<ByteBuffer, Checkpoint> byId = new HashMap<>();
    private final List<Problem> problems = new CopyOnWriteArrayList<>();
    private FileChannel channel;
    private long end;
    private boolean closed;
    /** Test seam, null in production: runs after an entry was written, before it is forced. */
    private volatile Uninterrupted.IoRun beforeForce;

    private CheckpointLog(final Path directory, final int shardCount, final boolean writable)
    {
        this.directory = directory;
        this.file = directory.resolve(FILE_NAME);
        this.shardCount = shardCount;
        this.writable = writable;
    }

    /**
     * Reads and validates the checkpoint log of {@code directory}.
     *
     * @throws ShardwalException MISMATCH if an entry covers another number of shards than {@code shardCount}.
     */
    public static CheckpointLog open(final Path directory, final int shardCount, final boolean writable)
        throws IOException
    {
        final CheckpointLog log = new CheckpointLog(directory, shardCount, writable);
        log.load();
        return log;
    }

    private void load() throws IOException
    {
        final boolean compactionLeft = writable && Files.deleteIfExists(directory.resolve(COMPACTING));
        if (compactionLeft)
        {
            problems.add(new Problem(0, 0, "INTERRUPTED_COMPACTION", "a compaction that did not finish left "
                + COMPACTING + "; deleted (the log it would have replaced is intact)"));
        }
        final boolean headLeft = writable && Files.deleteIfExists(directory.resolve(HeadFile.FILE_NAME + ".tmp"));
        if (headLeft)
        {
            problems.add(new Problem(0, 0, "INTERRUPTED_HEAD_UPDATE", "a HEAD replacement that did not finish left "
                + HeadFile.FILE_NAME + ".tmp; deleted (HEAD itself is checked below)"));
        }
        if (compactionLeft || headLeft)
        {
            // A deletion is durable once the directory is synced: without this, a power cut after the open could
            // bring the leftover back, and the next open would report (and delete) it a second time.
            MappedSegment.syncDirectory(directory);
        }
        final byte[] bytes = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
        final String[] problem = new String[1];
        int offset = 0;
        while (offset < bytes.length)
        {
            final Checkpoint checkpoint = CheckpointDescriptor.decode(bytes, offset, bytes.length, offset, problem);
            if (checkpoint != null)
            {
                accept(checkpoint);
                offset += CheckpointDescriptor.entryLength(bytes, offset);
                continue;
            }
            final int next = nextValidEntry(bytes, offset + 1);
            if (next < 0)
            {
                problems.add(new Problem(offset, bytes.length - offset, "TORN_TAIL", problem[0]
                    + (writable ? "; cut off, later checkpoints follow the last valid one" : "")));
                break;
            }
            problems.add(new Problem(offset, next - offset, "DAMAGED_ENTRY", problem[0] + "; skipped"));
            offset = next;
        }
        end = Math.min(offset, bytes.length);
        if (writable)
        {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
            if (channel.size() != end)
            {
                channel.truncate(end);
                channel.force(true);
            }
            repairHead();
        }
    }

    private void accept(final Checkpoint checkpoint)
    {
        if (checkpoint.shardCount() != shardCount)
        {
            throw new ShardwalException(ShardwalException.Category.MISMATCH, "checkpoint " + checkpoint.idText()
                + " covers " + checkpoint.shardCount() + " shards but the log has " + shardCount, file,
                checkpoint.logOffset());
        }
        final Checkpoint previous = byId.put(ByteBuffer.wrap(checkpoint.id()), checkpoint);
        if (previous != null)
        {
            entries.remove(previous);
            problems.add(new Problem(previous.logOffset(), 0, "DUPLICATE_ID", "checkpoint " + checkpoint.idText()
                + " appears again at offset " + checkpoint.logOffset() + "; the newer entry wins"));
        }
        entries.add(checkpoint);
    }

    private static int nextValidEntry(final byte[] bytes, final int from)
    {
        final String[] ignored = new String[1];
        for (int at = from; at + CheckpointDescriptor.HEADER_LENGTH <= bytes.length; at++)
        {
            if (bytes[at] == 'C' && bytes[at + 1] == 'K' && bytes[at + 2] == 'P' && bytes[at + 3] == 'T'
                && CheckpointDescriptor.decode(bytes, at, bytes.length, at, ignored) != null)
            {
                return at;
            }
        }
        return -1;
    }

    /** Makes HEAD name the newest entry (writable opens only); records what was wrong with it. */
    private void repairHead() throws IOException
    {
        final String[] problem = new String[1];
        final byte[] head = HeadFile.read(directory, problem);
        final Checkpoint newest = entries.isEmpty() ? null : entries.getLast();
        if (newest == null)
        {
            if (head != null || problem[0] != null)
            {
                problems.add(new Problem(0, 0, "STALE_HEAD", "HEAD names a checkpoint but the log holds none; "
                    + "removed"));
                HeadFile.delete(directory);
            }
            return;
        }
        if (head != null && newest.hasId(head))
        {
            return;
        }
        final String why = problem[0] != null ? problem[0]
            : head == null ? "HEAD is missing" : "HEAD names " + Checkpoint.idText(head)
                + (byId.containsKey(ByteBuffer.wrap(head)) ? ", not the newest entry"
                : ", which the log does not hold");
        problems.add(new Problem(newest.logOffset(), 0, "STALE_HEAD", why + "; HEAD now names "
            + newest.idText() + ", the newest valid entry in log order"));
        HeadFile.write(directory, newest.id());
    }

    /** What {@code HEAD} holds: the id it names, or why it names none (both null: there is no HEAD). */
    public record Head(byte[] id, String problem)
    {
    }

    /** Reads {@code directory/HEAD} without validating it against the log (tools compare it themselves). */
    public static Head readHead(final Path directory) throws IOException
    {
        final String[] problem = new String[1];
        final byte[] id = HeadFile.read(directory, problem);
        return new Head(id, problem[0]);
    }

    /** What opening the log found (and, when writable, repaired), then what reopening its channel cut off. */
    public List<Problem> problems()
    {
        return List.copyOf(problems);
    }

    public int shardCount()
    {
        return shardCount;
    }

    /** Runs {@code body} holding the lock that appends and compaction hold. */
    public <T> T locked(final IoSupplier<T> body) throws IOException
    {
        lock.lock();
        try
        {
            return body.get();
        }
        finally
        {
            lock.unlock();
        }
    }

    /** A supplier that may fail with an IOException. */
    @FunctionalInterface
    public interface IoSupplier<T>
    {
        T get() throws IOException;
    }

    public boolean contains(final byte[] id)
    {
        lock.lock();
        try
        {
            return byId.containsKey(ByteBuffer.wrap(id));
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Appends a checkpoint (forced to disk), then points HEAD at it. The caller has made the positions durable.
     * If HEAD cannot be replaced, the checkpoint still exists (the log is the truth) and the next open repairs HEAD.
     * The caller's interrupt is set aside meanwhile ({@link Uninterrupted}): it would close the log's channel, or
     * fail the HEAD replacement after the entry was written. One that arrives while the entry is written (from another
     * thread) fails the append, and closes the channel all the same: it is reopened at once (else by the next append
     * or compaction), the file checked and what the failed append wrote cut off ({@link CheckpointLogReopen}).
     *
     * @throws IllegalArgumentException if the id is invalid or already in the log.
     */
    public Checkpoint append(final byte[] id, final long timestampNanos, final long[] positions) throws IOException
    {
        CheckpointDescriptor.checkId(id);
        if (positions.length != shardCount)
        {
            throw new IllegalArgumentException("a checkpoint of this log has " + shardCount + " positions, not "
                + positions.length);
        }
        return Uninterrupted.call(() -> appendEntry(id, timestampNanos, positions));
    }

    private Checkpoint appendEntry(final byte[] id, final long timestampNanos, final long[] positions)
        throws IOException
    {
        lock.lock();
        try
        {
            checkWritable();
            reopenIfClosed();
            if (byId.containsKey(ByteBuffer.wrap(id)))
            {
                throw new IllegalArgumentException("checkpoint id " + Checkpoint.idText(id) + " already exists; "
                    + "ids are unique (choose another, or compact it away first)");
            }
            final ByteBuffer entry = CheckpointDescriptor.encode(id, timestampNanos, positions);
            final int length = entry.remaining();
            try
            {
                long at = end;
                while (entry.hasRemaining())
                {
                    at += channel.write(entry, at);
                }
                final Uninterrupted.IoRun fault = beforeForce;
                if (fault != null)
                {
                    fault.run();
                }
                channel.force(false);
            }
            catch (final IOException e)
            {
                throw failedAppend(id, e);
            }
            final Checkpoint checkpoint = new Checkpoint(id, timestampNanos, positions, end);
            end += length;
            entries.add(checkpoint);
            byId.put(ByteBuffer.wrap(checkpoint.id()), checkpoint);
            try
            {
                HeadFile.write(directory, id);
            }
            catch (final IOException e)
            {
                System.getLogger("io.shardwal").log(System.Logger.Level.WARNING, "shardwal: checkpoint "
                    + checkpoint.idText() + " is in " + file + " but HEAD could not be replaced (" + e
                    + "); the next open repairs HEAD");
            }
            return checkpoint;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * The append of {@code id} failed: cuts what it wrote, and returns the error to throw. If an interrupt closed the
     * channel, it is reopened now with the interrupt set aside (the cut is the reopen's); if that fails too, the next
     * append or compaction tries again before it does anything.
     */
    private IOException failedAppend(final byte[] id, final IOException cause)
    {
        final IOException failure = new IOException("checkpoint " + Checkpoint.idText(id) + " was not created: "
            + "appending it to " + file + " at offset " + end + " failed ("
            + (cause instanceof ClosedByInterruptException ? "the thread was interrupted, which closed the channel"
            : cause.toString()) + ")", cause);
        // A channel an interrupt closed is reopened, which cuts it: with the interrupt set aside
        final Uninterrupted.IoRun cut = channel.isOpen() ? () -> channel.truncate(end) : this::reopenIfClosed;
        try
        {
            Uninterrupted.run(cut);
        }
        catch (final IOException | RuntimeException suppressed)
        {
            failure.addSuppressed(suppressed);
        }
        return failure;
    }

    /** Reopens the channel an interrupt closed, checking the file against the entries ({@link CheckpointLogReopen}). */
    private void reopenIfClosed() throws IOException
    {
        if (!channel.isOpen())
        {
            channel = CheckpointLogReopen.reopen(file, end, entries, problems);
        }
    }

    /** Test seam: {@code fault} runs after each entry is written and before it is forced; null removes it. */
    void beforeForce(final Uninterrupted.IoRun fault)
    {
        beforeForce = fault;
    }

    public Optional<Checkpoint> get(final byte[] id)
    {
        lock.lock();
        try
        {
            return Optional.ofNullable(byId.get(ByteBuffer.wrap(id)));
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * The checkpoint with this id.
     *
     * @throws ShardwalException NOT_FOUND naming the id and how many checkpoints the log holds.
     */
    public Checkpoint require(final byte[] id)
    {
        return get(id).orElseThrow(() -> new ShardwalException(ShardwalException.Category.NOT_FOUND, "no checkpoint "
            + Checkpoint.idText(id) + " in " + FILE_NAME + " (" + count() + " checkpoints)", file,
            ShardwalException.NO_OFFSET));
    }

    /** The newest checkpoint in log order. */
    public Optional<Checkpoint> latest()
    {
        lock.lock();
        try
        {
            return entries.isEmpty() ? Optional.empty() : Optional.of(entries.getLast());
        }
        finally
        {
            lock.unlock();
        }
    }

    /** Every checkpoint, oldest first (log order). */
    public List<Checkpoint> list()
    {
        lock.lock();
        try
        {
            return List.copyOf(entries);
        }
        finally
        {
            lock.unlock();
        }
    }

    public int count()
    {
        lock.lock();
        try
        {
            return entries.size();
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Rewrites the log keeping the newest {@code keep} entries (temporary file, force, rename, directory sync),
     * holding the append lock throughout. HEAD keeps naming the newest entry (it is removed if none is kept). The
     * caller's interrupt is set aside meanwhile ({@link Uninterrupted}), or it would fail the rewrite half way.
     */
    public Compaction compact(final int keep) throws IOException
    {
        if (keep < 0)
        {
            throw new IllegalArgumentException("keep must not be negative, not " + keep);
        }
        return Uninterrupted.call(() -> rewrite(keep));
    }

    private Compaction rewrite(final int keep) throws IOException
    {
        lock.lock();
        try
        {
            checkWritable();
            reopenIfClosed();
            final int before = entries.size();
            final long bytesBefore = end;
            final List<Checkpoint> kept = new ArrayList<>(entries.subList(Math.max(0, before - keep), before));
            final Path temporary = directory.resolve(COMPACTING);
            final List<Checkpoint> rewritten = new ArrayList<>(kept.size());
            // The compacted file's channel is kept open across the rename, which keeps the inode: once the rename
            // is done it is the log's channel, and nothing can fail between the rename and the switch.
            final CompactedLog compacted = CompactedLog.write(temporary, kept, rewritten);
            try
            {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            }
            catch (final IOException | RuntimeException e)
            {
                CompactedLog.discard(compacted.channel(), temporary, e);
                throw e;
            }
            final FileChannel replaced = channel;
            channel = compacted.channel();
            end = compacted.end();
            entries.clear();
            byId.clear();
            for (final Checkpoint checkpoint : rewritten)
            {
                entries.add(checkpoint);
                byId.put(ByteBuffer.wrap(checkpoint.id()), checkpoint);
            }
            closeQuietly(replaced);
            MappedSegment.syncDirectory(directory);
            if (entries.isEmpty())
            {
                HeadFile.delete(directory);
            }
            else
            {
                HeadFile.write(directory, entries.getLast().id());
            }
            return new Compaction(before, entries.size(), bytesBefore, end);
        }
        finally
        {
            lock.unlock();
        }
    }

    private static void closeQuietly(final FileChannel replaced)
    {
        try
        {
            replaced.close();
        }
        catch (final IOException e)
        {
            // The replaced file is unlinked and was never written after its last force: nothing is lost.
        }
    }

    private void checkWritable()
    {
        if (closed)
        {
            throw new ShardwalException(ShardwalException.Category.CLOSED, "the checkpoint log is closed", file,
                ShardwalException.NO_OFFSET);
        }
        if (!writable)
        {
            throw new IllegalStateException("the checkpoint log of " + directory + " is open read-only");
        }
    }

    @Override
    public void close() throws IOException
    {
        lock.lock();
        try
        {
            closed = true;
            if (channel != null)
            {
                channel.close();
            }
        }
        finally
        {
            lock.unlock();
        }
    }
}
