package io.shardwal.nativetests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.checkpoint.CheckpointDescriptor;
import io.shardwal.checkpoint.CheckpointLog;
import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.wal.RecordAddress;
import io.shardwal.wal.RecoveryReport;
import io.shardwal.wal.ShardedWal;

/**
 * What the children of one log did with checkpoints ({@link Checkpointer} lines), and the check of what a
 * recovery made of it. It keeps the exact list of checkpoints the log must hold — every acknowledged checkpoint,
 * minus what acknowledged compactions removed, plus unacknowledged ones that an earlier recovery showed had made
 * it — and the operation that was under way when the last child was killed, which decides what else a recovery
 * may find:
 * <ul>
 *   <li>a creation: the new entry may or may not be there (if it is, it is whole and the newest); the log may have a
 *       torn tail (cut, reported as TORN_TAIL) and HEAD may still name the previous entry (STALE_HEAD);</li>
 *   <li>a compaction: the log is the old list or the compacted one, never a mix; a {@code checkpoints.log.tmp} may
 *       be left (deleted, INTERRUPTED_COMPACTION); HEAD may be stale;</li>
 *   <li>a pruning: the list is unchanged; segments may be gone below the checkpoint it named, never above.</li>
 * </ul>
 * Those allowances last until a later child finished opening the log (its recovery repaired them). Nothing else
 * may be repaired in {@code checkpoints.log}: no damaged entry, no duplicate id.
 *
 * <p>It also checks, as the lines arrive, that every append acknowledged before a checkpoint's creation began (its
 * ack line came before the {@code CB} line: both are single writes to one pipe) ends at or below that
 * checkpoint's position in its shard, and that positions never go backwards from one checkpoint to the next.
 *
 * <p><b>Threads.</b> {@link #accept} runs on a child's stdout reader thread, the rest on the test thread; all
 * methods are synchronized.
 */
final class CheckpointLedger
{
    private static final String HEAD = "HEAD";
    private static final String COMPACTING = CheckpointLog.FILE_NAME + ".tmp";
    /** The first words of the lines the ledger takes in, and of those it also leaves for the parent to wait for. */
    private static final Set<String> LINES = Set.of("OPENED", "CB", "CK", "MB", "ME", "PB", "PE");
    private static final Set<String> KEPT_LINES = Set.of("OPENED", "CB", "MB", "PB");

    /** The kinds of operation a kill can land in. */
    enum Operation
    {
        NONE, CREATE, COMPACT, PRUNE
    }

    /** Counts over a campaign (of one log, or summed over logs). Not thread-safe: the ledger guards its own. */
    static final class Tally
    {
        int acknowledged;
        int adoptedUnacknowledged;
        int compactions;
        int prunes;
        final int[] killsIn = new int[Operation.values().length];
        int tornTails;
        int staleHeads;
        int interruptedCompactions;
        int headTmpLeft;

        void add(final Tally other)
        {
            acknowledged += other.acknowledged;
            adoptedUnacknowledged += other.adoptedUnacknowledged;
            compactions += other.compactions;
            prunes += other.prunes;
            for (int i = 0; i < killsIn.length; i++)
            {
                killsIn[i] += other.killsIn[i];
            }
            tornTails += other.tornTails;
            staleHeads += other.staleHeads;
            interruptedCompactions += other.interruptedCompactions;
            headTmpLeft += other.headTmpLeft;
        }

        @Override
        public String toString()
        {
            final StringBuilder kills = new StringBuilder();
            for (final Operation operation : Operation.values())
            {
                kills.append(kills.isEmpty() ? "" : ", ").append(operation).append('=')
                    .append(killsIn[operation.ordinal()]);
            }
            return "checkpoints acknowledged=" + acknowledged + " (unacknowledged but kept=" + adoptedUnacknowledged
                + "), compactions=" + compactions + ", prunes=" + prunes + ", kills in [" + kills + "], repairs: "
                + "torn tails=" + tornTails + ", stale HEADs=" + staleHeads + ", interrupted compactions="
                + interruptedCompactions + ", interrupted HEAD updates=" + headTmpLeft;
        }
    }

    /** The operation begun last and not (yet) seen to return; for compactions, the list before and after. */
    private record Pending(Operation operation, String id, List<Checkpoint> before, List<Checkpoint> after)
    {
    }

    /** The files of the checkpoint log as a kill left them, read before a recovery. */
    record Before(long logSize, boolean compactingLeft, byte[] head)
    {
        static Before of(final Path directory)
        {
            try
            {
                final Path log = directory.resolve(CheckpointLog.FILE_NAME);
                final Path head = directory.resolve(HEAD);
                return new Before(Files.exists(log) ? Files.size(log) : 0, Files.exists(directory.resolve(COMPACTING)),
                    Files.exists(head) ? Files.readAllBytes(head) : null);
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final int shards;
    private final RecordScheme scheme;
    private final AckLog acks;
    private final long[] ackedEnd;
    private final long[] lastPositions;
    private final long[] pruneFloor;
    private final Map<String, long[]> ackedEndAtBegin = new HashMap<>();
    private final List<String> lineProblems = new ArrayList<>();
    /** The last checkpoint lines and kills, for failure messages. */
    private final ArrayDeque<String> history = new ArrayDeque<>();
    private List<Checkpoint> expected = new ArrayList<>();
    private Pending pending;
    private boolean mayTearTail;
    private boolean mayLeaveStaleHead;
    private boolean mayLeaveCompacting;
    private final Tally tally = new Tally();

    CheckpointLedger(final int shards, final RecordScheme scheme, final AckLog acks)
    {
        this.shards = shards;
        this.scheme = scheme;
        this.acks = acks;
        this.ackedEnd = new long[shards];
        this.lastPositions = new long[shards];
        this.pruneFloor = new long[shards];
    }

    /**
     * Takes in one stdout line of a child of this log: ack lines go to the {@link AckLog} (consumed), checkpoint
     * lines to the ledger; the lines that begin an operation, and {@code OPENED}, are also kept (returns false) so the
     * parent can wait for them.
     */
    synchronized boolean accept(final String line)
    {
        if (acks.accept(line))
        {
            final String[] fields = line.split(" ");
            final int writer = Integer.parseInt(fields[1]);
            final long seq = Long.parseLong(fields[2]);
            final long address = Long.parseLong(fields[3]);
            final int shard = RecordAddress.shard(address);
            final long end = RecordAddress.position(address) + FrameDescriptor.align(FrameDescriptor.dataFrameLength(
                scheme.key(writer, seq).length, scheme.valueLength(writer, seq)));
            ackedEnd[shard] = Math.max(ackedEnd[shard], end);
            return true;
        }
        final String[] fields = line.split(" ");
        if (!LINES.contains(fields[0]))
        {
            return false;
        }
        remember(line);
        switch (fields[0])
        {
            case "OPENED" ->
            {
                // This child's recovery repaired what the last kill left: nothing of it may show up again.
                mayTearTail = false;
                mayLeaveStaleHead = false;
                mayLeaveCompacting = false;
            }
            case "CB" ->
            {
                pending = new Pending(Operation.CREATE, fields[1], null, null);
                ackedEndAtBegin.put(fields[1], ackedEnd.clone());
            }
            case "CK" -> acknowledge(line, fields);
            case "MB" ->
            {
                final int keep = Integer.parseInt(fields[1]);
                pending = new Pending(Operation.COMPACT, null, List.copyOf(expected),
                    List.copyOf(expected.subList(Math.max(0, expected.size() - keep), expected.size())));
            }
            case "ME" -> compacted(line, fields);
            case "PB" -> pruning(line, fields[1]);
            case "PE" ->
            {
                pending = null;
                tally.prunes++;
            }
            default -> throw new IllegalStateException("not a ledger line: " + line);
        }
        return !KEPT_LINES.contains(fields[0]);
    }

    private void acknowledge(final String line, final String[] fields)
    {
        final String id = fields[1];
        if (pending == null || pending.operation() != Operation.CREATE || !pending.id().equals(id))
        {
            lineProblems.add("'" + line + "' acknowledges a checkpoint whose creation was not the operation under way ("
                + pending + ")");
        }
        final long[] positions = new long[fields.length - 3];
        for (int i = 0; i < positions.length; i++)
        {
            positions[i] = Long.parseLong(fields[3 + i]);
        }
        final Checkpoint checkpoint = new Checkpoint(id.getBytes(StandardCharsets.UTF_8), Long.parseLong(fields[2]),
            positions, 0);
        checkNewCheckpoint(checkpoint, "acknowledged", lineProblems);
        expected.add(checkpoint);
        pending = null;
        tally.acknowledged++;
    }

    /** A checkpoint has as many positions as shards, covers what was acknowledged before it, never goes back. */
    private void checkNewCheckpoint(final Checkpoint checkpoint, final String how, final List<String> problems)
    {
        final String name = how + " checkpoint " + checkpoint.idText() + " " + Arrays.toString(checkpoint.positions());
        if (checkpoint.shardCount() != shards)
        {
            problems.add(name + " has " + checkpoint.shardCount() + " positions for " + shards + " shards");
            return;
        }
        final long[] covered = ackedEndAtBegin.getOrDefault(checkpoint.idText(), new long[shards]);
        for (int shard = 0; shard < shards; shard++)
        {
            if (covered[shard] > checkpoint.position(shard))
            {
                problems.add(name + ": an append acknowledged before its creation began ends at position "
                    + covered[shard] + " of shard " + shard + ", above the checkpoint's " + checkpoint.position(shard));
            }
            if (checkpoint.position(shard) < lastPositions[shard])
            {
                problems.add(name + ": shard " + shard + " goes back from " + lastPositions[shard]
                    + ", the position of the checkpoint before it");
            }
        }
        System.arraycopy(checkpoint.positions(), 0, lastPositions, 0, shards);
    }

    private void compacted(final String line, final String[] fields)
    {
        if (pending == null || pending.operation() != Operation.COMPACT)
        {
            lineProblems.add("'" + line + "' ends a compaction that was not under way (" + pending + ")");
            return;
        }
        final int before = Integer.parseInt(fields[1]);
        final int after = Integer.parseInt(fields[2]);
        if (before != pending.before().size() || after != pending.after().size())
        {
            lineProblems.add("'" + line + "': the child's compaction went from " + before + " to " + after
                + " checkpoints, but " + pending.before().size() + " were created and not compacted away, and "
                + pending.after().size() + " should be kept");
        }
        expected = new ArrayList<>(pending.after());
        pending = null;
        tally.compactions++;
    }

    private void pruning(final String line, final String id)
    {
        pending = new Pending(Operation.PRUNE, id, null, null);
        final Optional<Checkpoint> target = find(expected, id);
        if (target.isEmpty())
        {
            lineProblems.add("'" + line + "' prunes below a checkpoint the log should not hold");
            return;
        }
        for (int shard = 0; shard < shards; shard++)
        {
            pruneFloor[shard] = Math.max(pruneFloor[shard], target.get().position(shard));
        }
    }

    private void remember(final String line)
    {
        if (history.size() == 40)
        {
            history.removeFirst();
        }
        history.addLast(line);
    }

    private static Optional<Checkpoint> find(final List<Checkpoint> checkpoints, final String id)
    {
        return checkpoints.stream().filter(checkpoint -> checkpoint.idText().equals(id)).findFirst();
    }

    /** Per shard, the highest position any prune was asked to prune below: segments may be gone only below it. */
    synchronized long[] pruneFloor()
    {
        return pruneFloor.clone();
    }

    /** The child was killed: what it was doing decides what a recovery may find. Returns that operation. */
    synchronized Operation killed()
    {
        final Operation operation = pending == null ? Operation.NONE : pending.operation();
        remember("(killed)");
        mayTearTail |= operation == Operation.CREATE;
        mayLeaveStaleHead |= operation == Operation.CREATE || operation == Operation.COMPACT;
        mayLeaveCompacting |= operation == Operation.COMPACT;
        tally.killsIn[operation.ordinal()]++;
        return operation;
    }

    /**
     * After a power cut ({@link PowerLossTest}) rather than a kill: as {@link #killed}, and HEAD may also be stale
     * after a creation that was acknowledged. The child runs on after the cut, with every write failing; a creation
     * whose {@code checkpoints.log} append was synced before the cut returns even though replacing HEAD then failed
     * (by design: the entry is what counts, and the next open repairs HEAD).
     */
    synchronized Operation powerCut()
    {
        final Operation operation = killed();
        mayLeaveStaleHead = true;
        return operation;
    }

    /**
     * Checks the checkpoints of {@code wal}, just opened for writing on {@code directory} whose checkpoint files were
     * {@code before} before the open; then takes what it holds as what the log must hold from now on. Returns the
     * problems found (empty if none).
     */
    synchronized List<String> verify(final ShardedWal wal, final Path directory, final Before before)
    {
        final List<String> problems = new ArrayList<>(lineProblems);
        final RecoveryReport report = wal.recoveryReport();
        final List<Checkpoint> recovered = wal.listCheckpoints();
        checkList(recovered, problems);
        checkRepairs(report, recovered, directory, before, problems);
        checkHead(wal, recovered, directory, before, report, problems);
        for (final RecoveryReport.ShardRecovery shard : report.shards())
        {
            final long start = recovered.isEmpty() ? wal.firstPosition(shard.shard())
                : recovered.getLast().position(shard.shard());
            if (shard.scannedFrom() != start || shard.validEnd() < start)
            {
                problems.add("shard " + shard.shard() + ": recovery scanned from " + shard.scannedFrom() + " to "
                    + shard.validEnd() + ", but the latest checkpoint ("
                    + (recovered.isEmpty() ? "none" : recovered.getLast()) + ") puts its start at " + start);
            }
        }
        if (!problems.isEmpty())
        {
            problems.add("the last checkpoint lines of the children: " + String.join(" | ", history));
        }
        remember("(recovered " + ids(recovered) + ")");
        expected = new ArrayList<>(recovered);
        pending = null;
        return problems;
    }

    /** The log holds exactly the expected list, give or take what the operation under way at the kill may change. */
    private void checkList(final List<Checkpoint> recovered, final List<String> problems)
    {
        final Operation operation = pending == null ? Operation.NONE : pending.operation();
        if (operation == Operation.COMPACT)
        {
            if (!recovered.equals(pending.before()) && !recovered.equals(pending.after()))
            {
                problems.add("killed while compacting, the log holds " + ids(recovered) + ": neither the list before "
                    + "(" + ids(pending.before()) + ") nor the compacted one (" + ids(pending.after()) + ")");
            }
            return;
        }
        if (recovered.equals(expected))
        {
            return;
        }
        final boolean oneMore = recovered.size() == expected.size() + 1
            && recovered.subList(0, expected.size()).equals(expected);
        if (operation == Operation.CREATE && oneMore && recovered.getLast().idText().equals(pending.id()))
        {
            // Killed after the entry was forced but before createCheckpoint returned: it may stay, whole, newest.
            final List<String> found = new ArrayList<>();
            checkNewCheckpoint(recovered.getLast(), "unacknowledged but recovered", found);
            problems.addAll(found);
            tally.adoptedUnacknowledged++;
            return;
        }
        problems.add("the log holds " + ids(recovered) + " but should hold " + ids(expected)
            + (operation == Operation.CREATE ? " (and perhaps " + pending.id() + ", whose creation was under way, "
                + "as the newest)" : "") + "; in full:\n    recovered: " + recovered + "\n    expected:  " + expected);
    }

    private void checkRepairs(final RecoveryReport report, final List<Checkpoint> recovered, final Path directory,
        final Before before, final List<String> problems)
    {
        long validBytes = 0;
        for (final Checkpoint checkpoint : recovered)
        {
            validBytes += CheckpointDescriptor.HEADER_LENGTH
                + CheckpointDescriptor.payloadLength(checkpoint.id().length, checkpoint.shardCount());
        }
        final long sizeAfter = size(directory.resolve(CheckpointLog.FILE_NAME));
        if (sizeAfter != validBytes)
        {
            problems.add(CheckpointLog.FILE_NAME + " is " + sizeAfter + " bytes after recovery, but its "
                + recovered.size() + " valid entries take " + validBytes);
        }
        boolean interrupted = false;
        for (final RecoveryReport.Repair repair : report.repairs())
        {
            if (repair.shard() != RecoveryReport.CHECKPOINT_LOG)
            {
                continue;
            }
            switch (repair.kind())
            {
                case "TORN_TAIL" ->
                {
                    tally.tornTails++;
                    if (!mayTearTail || repair.position() != validBytes
                        || repair.position() + repair.bytes() != before.logSize())
                    {
                        problems.add("a torn tail must be the end of the log (" + validBytes + " to "
                            + before.logSize() + ") left by a creation the kill interrupted (one was"
                            + (mayTearTail ? "" : " not") + "): " + repair);
                    }
                }
                case "STALE_HEAD" ->
                {
                    tally.staleHeads++;
                    if (!mayLeaveStaleHead)
                    {
                        problems.add("HEAD was stale, but no creation or compaction was interrupted: " + repair);
                    }
                }
                case "INTERRUPTED_COMPACTION" ->
                {
                    interrupted = true;
                    tally.interruptedCompactions++;
                    if (!mayLeaveCompacting || !before.compactingLeft())
                    {
                        problems.add("an interrupted compaction was reported, but " + (before.compactingLeft()
                            ? "no compaction was interrupted" : "there was no " + COMPACTING) + ": " + repair);
                    }
                }
                case "INTERRUPTED_HEAD_UPDATE" ->
                {
                    tally.headTmpLeft++;
                    if (!mayLeaveStaleHead)
                    {
                        problems.add("a HEAD update was reported interrupted, but no creation or compaction was: "
                            + repair);
                    }
                }
                default -> problems.add("only the tail of " + CheckpointLog.FILE_NAME + " may need a repair after a "
                    + "SIGKILL, never this: " + repair);
            }
        }
        if (before.compactingLeft() && !interrupted)
        {
            problems.add(COMPACTING + " was there but recovery did not report an interrupted compaction");
        }
        if (Files.exists(directory.resolve(COMPACTING)))
        {
            problems.add(COMPACTING + " is still there after recovery");
        }
        if (Files.exists(directory.resolve(HEAD + ".tmp")))
        {
            problems.add(HEAD + ".tmp is still there after recovery");
        }
    }

    /** HEAD names the newest entry (or is gone if there is none), and a HEAD that did not was reported. */
    private void checkHead(final ShardedWal wal, final List<Checkpoint> recovered, final Path directory,
        final Before before, final RecoveryReport report, final List<String> problems)
    {
        final Optional<Checkpoint> latest = wal.loadLatestCheckpoint();
        final Optional<Checkpoint> newest = recovered.isEmpty() ? Optional.empty() : Optional.of(recovered.getLast());
        if (!latest.equals(newest) || wal.checkpointCount() != recovered.size())
        {
            problems.add("the latest checkpoint is " + latest + " of " + wal.checkpointCount() + ", but the newest in "
                + "log order is " + newest + " of " + recovered.size());
        }
        for (final Checkpoint checkpoint : recovered)
        {
            if (!wal.loadCheckpoint(checkpoint.id()).equals(checkpoint))
            {
                problems.add("loading " + checkpoint.idText() + " gives " + wal.loadCheckpoint(checkpoint.id()));
            }
        }
        final byte[] head = readHead(directory);
        final byte[] wanted = newest.map(CheckpointLedger::headBytes).orElse(null);
        if (!Arrays.equals(head, wanted))
        {
            problems.add("after recovery HEAD is " + describeHead(head) + ", not " + describeHead(wanted));
        }
        final boolean reported = report.repairs().stream().anyMatch(repair -> repair.kind().equals("STALE_HEAD"));
        if (!Arrays.equals(before.head(), wanted) && !reported)
        {
            problems.add("HEAD was " + describeHead(before.head()) + " before recovery, not " + describeHead(wanted)
                + ", and recovery did not report it");
        }
    }

    private static byte[] headBytes(final Checkpoint checkpoint)
    {
        final byte[] id = checkpoint.id();
        return ByteBuffer.allocate(2 + id.length).order(ByteOrder.LITTLE_ENDIAN).putShort((short)id.length).put(id)
            .array();
    }

    private static String describeHead(final byte[] head)
    {
        if (head == null)
        {
            return "absent";
        }
        if (head.length > 2
            && Short.toUnsignedInt(ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getShort()) == head.length - 2)
        {
            return "naming " + Checkpoint.idText(Arrays.copyOfRange(head, 2, head.length));
        }
        return "garbage (" + head.length + " bytes: " + Arrays.toString(head) + ")";
    }

    private static byte[] readHead(final Path directory)
    {
        try
        {
            final Path head = directory.resolve(HEAD);
            return Files.exists(head) ? Files.readAllBytes(head) : null;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(final Path file)
    {
        try
        {
            return Files.exists(file) ? Files.size(file) : 0;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> ids(final List<Checkpoint> checkpoints)
    {
        return checkpoints.stream().map(Checkpoint::idText).toList();
    }

    /** Adds what this log saw so far to {@code total}. */
    synchronized void addTo(final Tally total)
    {
        total.add(tally);
    }
}
