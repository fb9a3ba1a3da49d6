package io.shardwal.wal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.mmap.ShardwalException;

/**
 * One round of {@link DamageFuzzTest}: what a damaged log must and must not do.
 *
 * <ul>
 *   <li>Every failure is a {@link ShardwalException} of a category for bad files, whose message names the damaged
 *       file (or, for a segment, its shard's directory): never another exception type, never an error.</li>
 *   <li>Every record read is one that was written at that shard and position, byte for byte; positions only
 *       grow.</li>
 *   <li>A record may be missing only when the damage can explain it: the damaged file is a segment of its shard
 *       and the record's frame (or batch) ends after the damage starts. A writable open must report a repair at or
 *       before any record it lost (or a read must refuse), except for a deleted segment's own records, which
 *       nothing else on disk may know of; a read-only view may end its reading at the damage. Damage to other files
 *       loses no record. Checkpoints listed are ones created, and none is lost unless checkpoints.log is damaged.</li>
 *   <li>A shard whose newest segment on disk was rolled into a next one that is gone (its rolled-into mark says so)
 *       lost records: every open refuses it and verify lists it, never reading a shorter log.</li>
 *   <li>Read-only opens and {@code verify} change no byte; verify does not crash; when it finds nothing, a
 *       read-only view reads everything and a writable open repairs nothing; what recovery repairs in segments,
 *       verify lists.</li>
 *   <li>After a writable open, appends, a checkpoint, a prune and a compaction work; the next open repairs no
 *       segment again (but for damage past the newest segment's tail, which an open that trusts the tail does not
 *       read) and reads the same records plus the new ones, less the pruned.</li>
 * </ul>
 */
final class DamageCheck
{
    private static final Set<ShardwalException.Category> FILE_CATEGORIES = EnumSet.of(
        ShardwalException.Category.CORRUPT, ShardwalException.Category.FORMAT, ShardwalException.Category.NOT_FOUND,
        ShardwalException.Category.MISMATCH, ShardwalException.Category.IO, ShardwalException.Category.PRUNED);

    /** The key prefix of the records appended after a recovery; the log's own keys start with "key-". */
    private static final String AFTER = "after-";

    private final Path log;
    private final List<LogDamage.Damage> damages;
    private final WrittenLog written;
    /** Seed, round and damage, for messages; the damage done by {@link #damageAgain} is added to it. */
    private String context;
    /** What {@code verify} found, if it ran. */
    private CliRun verified;
    /** Whether {@code verify} ran and found nothing: then the writable open must open and repair nothing. */
    private boolean verifiedClean;
    /** A shard that lost the segment its newest one was rolled into, as the damaged files show; null if none. */
    private String lostSuccessor;

    /** What one {@code shardwal} command did. */
    record CliRun(int exit, String out, String err)
    {
    }

    /** What one read of every shard gave: the records by shard and position, and the failures by shard. */
    private record Reading(List<Map<Long, WrittenLog.Written>> records, Map<Integer, ShardwalException> failures,
        long[] firstPositions)
    {
    }

    DamageCheck(final Path log, final List<LogDamage.Damage> damages, final WrittenLog written,
        final String context)
    {
        this.log = log;
        this.damages = damages;
        this.written = written;
        this.context = context;
    }

    /**
     * Runs every step. {@code cli} runs a {@code shardwal} command line in-process; with {@code verify} it runs
     * {@code verify} on the damaged log, with {@code readers} the other reading commands too ({@code inspect},
     * {@code stats}, {@code checkpoints}, {@code dump}); with {@code more} non-null the log is damaged by it once
     * more at the end and opened again ({@link #damageAgain}).
     */
    void run(final Function<String[], CliRun> cli, final boolean verify, final boolean readers,
        final Function<Path, List<LogDamage.Damage>> more)
    {
        final List<String> before = LogDamage.fingerprint(log);
        lostSuccessor = LogDamage.lostSuccessor(log);
        final Reading readOnly = readOnly();
        verified = verify ? command(cli, "verify", log.toString()) : null;
        // verify names a lost segment, unless it refused at a damaged manifest, which it says checked nothing else
        if (lostSuccessor != null && verified != null && verified.out().contains("verified ")
            && !verified.out().contains("MISSING_SEGMENT") && !verified.out().contains("nothing else was checked"))
        {
            fail("verify did not list the lost segment (" + lostSuccessor + "): " + verified.out());
        }
        if (readers)
        {
            command(cli, "inspect", log.toString());
            command(cli, "stats", log.toString(), "--json");
            command(cli, "stats", log.toString(), "--prometheus");
            command(cli, "checkpoints", log.toString(), "--positions");
            command(cli, "dump", log.toString(), "--format", "hex");
            command(cli, "dump", log.toString(), "--format", "json");
        }
        if (!before.equals(LogDamage.fingerprint(log)))
        {
            fail("the read-only open or a reading command changed the log's files");
        }
        verifiedClean = verified != null && verified.exit() == 0;
        if (verifiedClean && readOnly != null && !readOnly.failures().isEmpty())
        {
            fail("verify found no damage but a read-only read failed: " + readOnly.failures());
        }
        final Reading first = writable(true);
        if (first != null)
        {
            final Reading second = writable(false);
            if (second == null)
            {
                fail("the log did not open again after its recovery");
            }
            compareReopened(first, second);
        }
        if (more != null)
        {
            damageAgain(more);
        }
    }

    /**
     * Damages the log once more, after the repairs, appends, prune and compaction above (or after the open that
     * refused it), and opens it read-only and for writing: whatever is read must still be records written, and every
     * failure a documented one naming a damaged file. What may be missing is not checked any more.
     */
    private void damageAgain(final Function<Path, List<LogDamage.Damage>> more)
    {
        final List<LogDamage.Damage> again = more.apply(log);
        damages.addAll(again);
        context += ", then after the reopen " + again;
        lostSuccessor = LogDamage.lostSuccessor(log);
        final String[] steps = {"read-only open after more damage", "writable open after more damage"};
        for (final String step : steps)
        {
            final ShardedWal wal;
            try
            {
                wal = step == steps[0] ? ShardedWal.openReadOnly(log)
                    : ShardedWal.open(WrittenLog.options(log).toBuilder().createIfMissing(false).build());
            }
            catch (final Throwable e)
            {
                checkFailure(step, e);
                continue;
            }
            try (wal)
            {
                readAll(wal, step);
                replayFromEach(wal, step);
            }
            catch (final AssertionError e)
            {
                throw e;
            }
            catch (final Throwable e)
            {
                checkFailure(step + ": close", e);
            }
        }
    }

    /** Runs one reading command: it may find damage (exit 1) or refuse to run (3), naming why, but not crash. */
    private CliRun command(final Function<String[], CliRun> cli, final String... args)
    {
        final CliRun run = cli.apply(args);
        if (run.err().contains("unexpected failure") || run.exit() < 0 || run.exit() > 3)
        {
            fail(args[0] + " failed unexpectedly: exit " + run.exit() + "\n" + run.out() + run.err());
        }
        return run;
    }

    // ------------------------------------------------------------------------------------------------ read-only

    private Reading readOnly()
    {
        final ShardedWal wal;
        try
        {
            wal = ShardedWal.openReadOnly(log);
        }
        catch (final Throwable e)
        {
            checkFailure("read-only open", e);
            return null;
        }
        try (wal)
        {
            final Reading reading = readAll(wal, "read-only");
            checkRecords(reading, null, "read-only");
            checkCheckpoints(wal, "read-only", written.checkpoints().size());
            replayFromEach(wal, "read-only");
            stats(wal, "read-only");
            return reading;
        }
        catch (final AssertionError e)
        {
            throw e;
        }
        catch (final Throwable e)
        {
            checkFailure("read-only close", e);
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------------ writable

    /** Opens for writing and reads everything; the first time also appends and creates a checkpoint. */
    private Reading writable(final boolean first)
    {
        final String step = first ? "writable open" : "second writable open";
        final ShardedWal wal;
        try
        {
            wal = ShardedWal.open(WrittenLog.options(log).toBuilder().createIfMissing(false).build());
        }
        catch (final Throwable e)
        {
            checkFailure(step, e);
            if (first && verifiedClean)
            {
                fail("verify found no damage but the writable open failed: " + e);
            }
            return null;
        }
        try (wal)
        {
            final Reading reading = readAll(wal, step);
            // Damage past the newest segment's tail is not read by an open that trusts the tail: the next open finds
            // it if appends reached it (and the writer's frontier stopped short of it). Anything else found again is
            // a repair the first recovery did not make.
            if (!first && wal.recoveryReport().repairs().stream().anyMatch(repair -> repair.shard() >= 0
                && damages.stream().noneMatch(d -> d.shard() == repair.shard() && d.positionFrom() <= repair.position()
                && repair.position() < d.positionTo())))
            {
                fail(step + ": the recovery after a clean close repaired segments again: "
                    + wal.recoveryReport().summary());
            }
            if (first)
            {
                checkRecords(reading, wal.recoveryReport(), step);
                if (verifiedClean && !wal.recoveryReport().clean())
                {
                    fail("verify found no damage but the recovery repaired: " + wal.recoveryReport().summary());
                }
                checkVerifyListed(wal.recoveryReport());
            }
            // The first open compacts the checkpoint log to its last two: the log's second and the one it adds
            checkCheckpoints(wal, step, first ? written.checkpoints().size() : 1);
            stats(wal, step);
            if (first)
            {
                replayFromEach(wal, step);
                appendAfter(wal, reading);
                pruneAndCompact(wal);
            }
            return reading;
        }
        catch (final AssertionError e)
        {
            throw e;
        }
        catch (final Throwable e)
        {
            checkFailure(step + " (after recovery: appends, checkpoint, close)", e);
            return null;
        }
    }

    /**
     * What recovery repaired in segments, verify listed before it: the same walk finds the same damage. Verify walks
     * every segment from its start and recovery from the latest checkpoint, so damage across the checkpoint is one
     * finding for verify and another, inside it, for recovery: a repair must overlap a finding of its file.
     */
    private void checkVerifyListed(final RecoveryReport report)
    {
        if (verified == null || !verified.out().contains("verified "))
        {
            return; // verify did not get to the segments (it names what stopped it: checked by checkFailure's rules)
        }
        for (final RecoveryReport.Repair repair : report.repairs())
        {
            if (repair.shard() >= 0 && !listed(repair))
            {
                fail("recovery repaired what verify did not list: " + repair + "\nverify: " + verified.out());
            }
        }
    }

    private boolean listed(final RecoveryReport.Repair repair)
    {
        final String file = " " + ShardedWal.shardDirectory(Path.of(""), repair.shard()) + "/"
            + repair.file().getFileName() + " position ";
        for (final String line : verified.out().split("\n"))
        {
            final int at = line.indexOf(file);
            final int bytes = line.indexOf(" bytes)");
            if (at < 0 || bytes < 0)
            {
                continue;
            }
            final long position = Long.parseLong(line.substring(at + file.length(), line.indexOf(' ',
                at + file.length())));
            final long length = Long.parseLong(line.substring(line.lastIndexOf(' ', bytes - 1) + 1, bytes));
            if (repair.position() < position + Math.max(length, 1)
                && position < repair.position() + Math.max(repair.bytes(), 1))
            {
                return true;
            }
        }
        return false;
    }

    /** Appends a few records, which the next open must read, and checkpoints them. */
    private void appendAfter(final ShardedWal wal, final Reading reading)
    {
        for (int i = 0; i < 6; i++)
        {
            final byte[] key = (AFTER + i).getBytes(StandardCharsets.UTF_8);
            final byte[] value = Records.value(7, i, 30);
            final long address = wal.append(key, value);
            final int shard = RecordAddress.shard(address);
            reading.records().get(shard).put(RecordAddress.position(address), new WrittenLog.Written(shard,
                RecordAddress.position(address), key, value, -1, -1));
        }
        wal.createCheckpoint("after-damage");
    }

    /** Replays from every checkpoint listed: every record delivered is one written. */
    private void replayFromEach(final ShardedWal wal, final String step)
    {
        final List<Checkpoint> listed;
        try
        {
            listed = wal.listCheckpoints();
        }
        catch (final Throwable e)
        {
            return; // checked by checkCheckpoints
        }
        for (final Checkpoint checkpoint : listed)
        {
            final String replay = step + ": replay from " + checkpoint.idText();
            try
            {
                wal.replayFrom(checkpoint.id(), record -> checkRecord(record, replay));
            }
            catch (final AssertionError e)
            {
                throw e;
            }
            catch (final Throwable e)
            {
                checkFailure(replay, e);
            }
        }
    }

    /** Prunes below the second checkpoint and compacts the checkpoint log, if the log still lists it. */
    private void pruneAndCompact(final ShardedWal wal)
    {
        final byte[] second = written.checkpoints().get(1).id();
        if (wal.listCheckpoints().stream().anyMatch(c -> Arrays.equals(c.id(), second)))
        {
            wal.pruneBefore(second);
        }
        wal.compactCheckpoints(2);
    }

    /**
     * The records read after the recovery's writes are the same as before, plus the appends made in between, less
     * the segments pruned.
     */
    private void compareReopened(final Reading first, final Reading second)
    {
        for (int shard = 0; shard < WrittenLog.SHARDS; shard++)
        {
            if (first.failures().containsKey(shard) || second.failures().containsKey(shard))
            {
                continue;
            }
            // What the prune after the first open deleted is gone, the rest must be there as it was
            final Set<Long> expected = new TreeSet<>(((TreeMap<Long, WrittenLog.Written>)first.records()
                .get(shard)).tailMap(second.firstPositions()[shard], true).keySet());
            if (!expected.equals(second.records().get(shard).keySet()))
            {
                fail("shard " + shard + " read other records after a clean close and reopen: before " + expected
                    + ", after " + second.records().get(shard).keySet());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ checks

    private Reading readAll(final ShardedWal wal, final String step)
    {
        if (lostSuccessor != null)
        {
            fail(step + " opened a log whose newest segment was rolled into a missing one (" + lostSuccessor + ")");
        }
        final List<Map<Long, WrittenLog.Written>> records = new ArrayList<>();
        final Map<Integer, ShardwalException> failures = new TreeMap<>();
        final long[] firsts = new long[wal.shardCount()];
        for (int shard = 0; shard < wal.shardCount(); shard++)
        {
            final Map<Long, WrittenLog.Written> read = new TreeMap<>();
            records.add(read);
            final long[] last = {-1};
            try
            {
                firsts[shard] = wal.firstPosition(shard);
                wal.iterShard(shard, 0, Long.MAX_VALUE, record ->
                {
                    if (record.position() <= last[0])
                    {
                        fail(step + ": shard " + record.shard() + " delivered position " + record.position()
                            + " after " + last[0]);
                    }
                    last[0] = record.position();
                    read.put(record.position(), checkRecord(record, step));
                });
            }
            catch (final AssertionError e)
            {
                throw e;
            }
            catch (final Throwable e)
            {
                checkFailure(step + ": reading shard " + shard, e);
                failures.put(shard, (ShardwalException)e);
            }
        }
        return new Reading(records, failures, firsts);
    }

    /** The record must be one written there, byte for byte (or one appended after recovery). */
    private WrittenLog.Written checkRecord(final WalRecord record, final String step)
    {
        if (new String(record.keyBytes(), StandardCharsets.UTF_8).startsWith(AFTER))
        {
            // Appended after the recovery, possibly where it cut damaged records off: checked by the reopen
            Records.check(record.valueBytes());
            return new WrittenLog.Written(record.shard(), record.position(), record.keyBytes(), record.valueBytes(),
                -1, -1);
        }
        final WrittenLog.Written expected = written.at(record.shard(), record.position());
        if (expected == null)
        {
            fail(step + ": delivered a record never written at shard " + record.shard() + " position "
                + record.position());
        }
        if (!expected.sameAs(record))
        {
            fail(step + ": delivered a damaged record at " + expected);
        }
        return expected;
    }

    /** Every record on disk was read, or its loss is explained by the damage (and reported, for a writable open). */
    private void checkRecords(final Reading reading, final RecoveryReport report, final String step)
    {
        for (int shard = 0; shard < WrittenLog.SHARDS; shard++)
        {
            final Map<Long, WrittenLog.Written> read = reading.records().get(shard);
            final boolean failed = reading.failures().containsKey(shard);
            final long lastRead = read.isEmpty() ? -1 : ((TreeMap<Long, WrittenLog.Written>)read).lastKey();
            for (final WrittenLog.Written expected : written.onDisk(shard).values())
            {
                if (read.containsKey(expected.position()) || failed && expected.position() > lastRead)
                {
                    continue;
                }
                final int s = shard;
                if (damages.stream().noneMatch(d -> d.shard() == s && expected.unitEnd() > d.positionFrom()))
                {
                    fail(step + ": lost " + expected + ", which the damage does not touch; "
                        + (report == null ? "" : report.summary()));
                }
                // A deleted segment's records may go unnoticed when nothing else on disk knows of them (a segment
                // rolled into it does: then no open may succeed, see readAll)
                final boolean deleted = damages.stream().anyMatch(d -> d.shard() == s && d.deleted()
                    && expected.unitStart() < d.positionTo());
                if (report != null && !deleted && !reported(report, shard, expected.position()))
                {
                    fail(step + ": lost " + expected + " without a report: " + report.summary());
                }
            }
        }
    }

    /** Whether recovery reported a repair in {@code shard} at or before {@code position}. */
    private static boolean reported(final RecoveryReport report, final int shard, final long position)
    {
        return report.repairs().stream().anyMatch(repair -> repair.shard() == shard && repair.position() <= position);
    }

    /**
     * Every checkpoint listed is one created, with its positions, and none is missing ({@code expected} of the log's
     * own) unless {@code checkpoints.log} was damaged; the latest is the last one listed.
     */
    private void checkCheckpoints(final ShardedWal wal, final String step, final int expected)
    {
        final List<Checkpoint> listed;
        try
        {
            listed = wal.listCheckpoints();
            final Checkpoint latest = wal.loadLatestCheckpoint().orElse(null);
            if (latest != null && (listed.isEmpty() || !latest.equals(listed.getLast())))
            {
                fail(step + ": the latest checkpoint " + latest + " is not the last listed: " + listed);
            }
        }
        catch (final AssertionError e)
        {
            throw e;
        }
        catch (final Throwable e)
        {
            checkFailure(step + ": listing checkpoints", e);
            return;
        }
        final boolean logDamaged = damages.stream()
            .anyMatch(d -> d.file().getFileName().toString().equals(io.shardwal.checkpoint.CheckpointLog.FILE_NAME));
        int found = 0;
        for (final Checkpoint checkpoint : listed)
        {
            if (checkpoint.idText().equals("after-damage"))
            {
                continue;
            }
            final Checkpoint created = written.created(checkpoint);
            if (created == null || !Arrays.equals(created.positions(), checkpoint.positions()))
            {
                fail(step + ": listed a checkpoint never created: " + checkpoint);
            }
            found++;
        }
        if (!logDamaged && found != expected)
        {
            fail(step + ": lost checkpoints though checkpoints.log is intact: " + listed);
        }
    }

    private void stats(final ShardedWal wal, final String step)
    {
        try
        {
            wal.stats();
        }
        catch (final Throwable e)
        {
            checkFailure(step + ": stats", e);
        }
    }

    /** A failure must be a ShardwalException of a kind for bad files, naming the damaged file. */
    private void checkFailure(final String step, final Throwable e)
    {
        if (!(e instanceof ShardwalException failure) || !FILE_CATEGORIES.contains(failure.category()))
        {
            throw new AssertionError(context + ": " + step + " threw an undocumented " + e, e);
        }
        final String message = e.getMessage();
        final boolean named = damages.stream().anyMatch(d -> d.namedIn(message));
        if (!named)
        {
            throw new AssertionError(context + ": " + step + " failed without naming the damaged file: " + e, e);
        }
    }

    private void fail(final String problem)
    {
        throw new AssertionError(context + ": " + problem);
    }
}
