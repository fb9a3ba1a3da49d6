package io.shardwal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code demo} writes, checkpoints, replays and verifies; it replaces only its own logs. */
class DemoCommandTest
{
    @TempDir
    Path dir;

    /** Runs a small demo; {@code options} (name, value, ...) override the small defaults. */
    private static Cli.Run demo(final Path directory, final Object... options)
    {
        final java.util.Map<Object, Object> merged = new java.util.LinkedHashMap<>();
        merged.put("--records", "20k");
        merged.put("--shards", 4);
        merged.put("--threads", 2);
        merged.put("--segment-size", "256K");
        for (int i = 0; i < options.length; i += 2)
        {
            merged.put(options[i], options[i + 1]);
        }
        final java.util.List<Object> args = new java.util.ArrayList<>(java.util.List.of("demo", "--dir", directory));
        merged.forEach((name, value) ->
        {
            args.add(name);
            args.add(value);
        });
        return Cli.run(args.toArray());
    }

    @Test
    void shouldWriteCheckpointReplayAndVerifyEveryRecord()
    {
        final Path log = dir.resolve("demo");
        final Cli.Run run = demo(log);
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().matches(
            "(?s).*shard\\s+records\\s+MB\\s+append p50\\s+p90\\s+p99\\s+p99\\.9\\s+msync p99.*"), run.out());
        assertTrue(run.out().matches("(?s).*\\nall\\s+20,000\\s.*"), run.out());
        assertTrue(run.out().contains("wrote 20,000 records"), run.out());
        assertTrue(run.out().contains("checkpoint demo created"), run.out());
        assertTrue(run.out().contains("replayed 20,000 records"), run.out());
        assertTrue(run.out().contains("verified: every one of the 20,000 records written came back exactly once"),
            run.out());
        assertTrue(run.err().contains("writing: 100%"), "progress on stderr: " + run.err());
        assertEquals(0, Cli.run("verify", log).exit(), "the demo's log verifies clean");
        assertTrue(Cli.run("checkpoints", log).out().contains("latest: demo"));
    }

    @Test
    void shouldReplaceItsOwnLogButRefuseAnyOtherDirectory() throws Exception
    {
        final Path log = dir.resolve("demo");
        assertEquals(0, demo(log, "--latency", "counters").exit());
        final Cli.Run again = demo(log, "--latency", "off", "--size", "100");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("(append latency is not recorded with --latency off)"), again.out());

        final Path mine = dir.resolve("mine");
        Files.createDirectories(mine);
        Files.writeString(mine.resolve("precious.txt"), "keep me");
        final Cli.Run refused = demo(mine);
        assertEquals(3, refused.exit(), refused.toString());
        assertEquals(1, refused.err().lines().count(), refused.err());
        assertTrue(refused.err().contains("was not written by 'shardwal demo'"), refused.err());
        assertEquals("keep me", Files.readString(mine.resolve("precious.txt")));

        Files.writeString(log.resolve("notes.txt"), "mine");
        final Cli.Run intruder = demo(log);
        assertEquals(3, intruder.exit(), intruder.toString());
        assertTrue(intruder.err().contains("notes.txt"), intruder.err());
        assertTrue(Files.exists(log.resolve("wal.manifest")), "nothing was deleted");
    }

    /** A limit far beyond the run (or Infinity) must not overflow into a deadline in the past. */
    @Test
    void shouldWriteEveryRecordWhenSecondsIsFarAway()
    {
        for (final String seconds : List.of("1e10", "Infinity"))
        {
            final Cli.Run run = demo(dir.resolve("far-" + seconds), "--records", "2000", "--seconds", seconds);
            assertEquals(0, run.exit(), run.toString());
            assertTrue(run.out().contains("wrote 2,000 records"), "--seconds " + seconds + ": " + run.out());
            assertFalse(run.out().contains("stopped by --seconds"), run.out());
        }
    }

    @Test
    void shouldStopWritingAfterSecondsAndStillVerifyWhatItWrote()
    {
        final Cli.Run run = demo(dir.resolve("capped"), "--records", "100G", "--seconds", "0.5");
        assertEquals(3, run.exit(), "100G records (31 TB) do not fit the disk: refused up front: " + run);
        assertTrue(run.err().contains("the demo needs about"), run.err());
        final Cli.Run capped = demo(dir.resolve("capped"), "--records", "50M", "--seconds", "0.3",
            "--segment-size", "1M", "--shards", 2);
        if (capped.exit() == 3)
        {
            return; // not enough disk for 50M records' estimate on this machine; the refusal was checked above
        }
        assertEquals(0, capped.exit(), capped.toString());
        assertTrue(capped.out().contains("(stopped by --seconds after "), capped.out());
        assertTrue(capped.out().contains("records written came back exactly once"), capped.out());
    }
}
