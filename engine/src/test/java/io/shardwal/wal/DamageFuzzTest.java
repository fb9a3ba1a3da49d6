package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;

import io.shardwal.cli.ShardwalCli;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random damage to every file of a log: each round copies a small log (closed cleanly, with or without prepared
 * segments, left by a process crash, or by an OS crash), damages one of its files, sometimes two (bits flipped,
 * bytes overwritten, cut short, extended, deleted, pieces of segments copied over, segments renamed or copied to
 * another segment's name: {@link LogDamage}), then opens it read-only, runs {@code shardwal verify} (and the other
 * reading commands) on it, opens it for writing, reads everything, replays from every checkpoint, appends,
 * checkpoints, prunes, compacts, closes and opens it again; in some rounds it damages the log once more and opens it
 * again. {@link DamageCheck} holds what
 * every step must satisfy: a clear error of a documented kind naming the damaged file, or records that are exactly
 * ones written, none twice, none missing that the damage cannot explain, and every loss reported. Each round has
 * {@link #ROUND_LIMIT}: a hang fails it.
 *
 * <p>The seed is printed; {@code -Dshardwal.seed=N} replays a run, {@code -Dshardwal.rounds=N} changes its length,
 * {@code -Dshardwal.round=R} runs only round R of it.
 */
class DamageFuzzTest
{
    private static final int ROUNDS = 200;
    private static final int SOAK_ROUNDS = 2000;
    private static final Duration ROUND_LIMIT = Duration.ofSeconds(20);
    private static final int MAX_FAILURES = 25;

    @TempDir
    Path dir;

    @Test
    void shouldRefuseOrReportEveryRandomDamage()
    {
        run(Integer.getInteger("shardwal.rounds", ROUNDS), false);
    }

    @Test
    @Tag("soak")
    @Tag("slow")
    void shouldRefuseOrReportEveryRandomDamageOverALongRun()
    {
        run(Integer.getInteger("shardwal.rounds", SOAK_ROUNDS), true);
    }

    /**
     * @param everyCommand whether {@code verify} and the other reading commands run in every round. If not,
     *                     verify runs in every eighth one, the others in every 32nd, and none on a damaged LOCK,
     *                     to keep the default run within 30 s: a command line's set-up costs about half as much as
     *                     the rest of a round, and a damaged LOCK record a second (a reader gives a rewrite that long
     *                     to finish).
     */
    private void run(final int rounds, final boolean everyCommand)
    {
        final long seed = seed();
        System.out.println("DamageFuzzTest: seed " + seed + ", " + rounds + " rounds (rerun with -Dshardwal.seed="
            + seed + ")");
        final Path clean = dir.resolve("clean");
        final Path prepared = dir.resolve("prepared");
        final Path crashed = dir.resolve("crashed");
        final WrittenLog cleanLog = WrittenLog.write(clean, null, false);
        final WrittenLog preparedLog = WrittenLog.write(prepared, null, true);
        final WrittenLog crashedLog = WrittenLog.write(dir.resolve("crashed-source"), crashed, false);
        final Path osCrashed = CrashImages.copy(crashed, dir.resolve("os-crashed"));
        CrashImages.markCrashed(osCrashed, false);
        final Path[] images = {clean, crashed, osCrashed, prepared};
        final WrittenLog[] logs = {cleanLog, crashedLog, crashedLog, preparedLog};
        final String[] names = {"clean stop", "process crash", "OS crash", "clean stop, segments prepared"};
        final List<String> failures = new ArrayList<>();
        final SplittableRandom seeds = new SplittableRandom(seed);
        final long started = System.nanoTime();
        final int only = Integer.getInteger("shardwal.round", -1);
        for (int round = 0; round < rounds && failures.size() < MAX_FAILURES; round++)
        {
            final long roundSeed = seeds.nextLong();
            if (only >= 0 && round != only)
            {
                continue;
            }
            final int variant = round % images.length;
            final Path image = CrashImages.copy(images[variant], dir.resolve("round-" + round));
            final SplittableRandom random = new SplittableRandom(roundSeed);
            final List<LogDamage.Damage> damages = new ArrayList<>();
            damages.addAll(LogDamage.damage(image, random));
            if (random.nextInt(5) == 0)
            {
                damages.addAll(LogDamage.damage(image, random));
            }
            final String context = "seed " + seed + " round " + round + " (" + names[variant] + "): " + damages;
            try
            {
                final DamageCheck check = new DamageCheck(image, damages, logs[variant], context);
                final boolean lock = damages.stream()
                    .anyMatch(d -> d.file().getFileName().toString().equals(WalLock.FILE_NAME));
                final boolean verify = everyCommand || round % 8 == 0 && !lock;
                final boolean readers = everyCommand || round % 32 == 16 && !lock;
                final Function<Path, List<LogDamage.Damage>> more = everyCommand || round % 4 == 3
                    ? log -> LogDamage.damage(log, random) : null;
                assertTimeoutPreemptively(ROUND_LIMIT, () -> check.run(DamageFuzzTest::cli, verify, readers, more),
                    context + ": the round did not end within " + ROUND_LIMIT.toSeconds() + " s");
            }
            catch (final AssertionError e)
            {
                failures.add(e.getMessage());
                e.printStackTrace(System.out);
            }
            delete(image);
        }
        System.out.println("DamageFuzzTest: seed " + seed + ": " + rounds + " rounds in "
            + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms, " + failures.size() + " failed");
        if (!failures.isEmpty())
        {
            throw new AssertionError(failures.size() + " rounds failed (seed " + seed + "):\n"
                + String.join("\n", failures));
        }
    }

    /** One {@code shardwal} command line in-process: the exit code and what it printed. */
    private static DamageCheck.CliRun cli(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = ShardwalCli.execute(new PrintWriter(out), new PrintWriter(err), false, args);
        return new DamageCheck.CliRun(exit, out.toString(), err.toString());
    }

    private static long seed()
    {
        final String given = System.getProperty("shardwal.seed");
        return given != null && !given.isBlank() ? Long.parseLong(given.strip()) : System.nanoTime();
    }

    private static void delete(final Path directory)
    {
        try (Stream<Path> walk = Files.walk(directory))
        {
            for (final Path path : (Iterable<Path>)walk.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.delete(path);
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
