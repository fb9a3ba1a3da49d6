package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Without {@code --enable-native-access} shardwal cannot call msync, posix_fallocate or madvise; it must still
 * work (FileChannel.force, zero-filling, CAS pretouching) and say so exactly once, in one line that names the flag
 * to add. With the flag it says nothing about it.
 */
@Slow
class NativeAccessFallbackTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    /** STRICT, so that every append goes through the msync fallback (FileChannel.force): keep it short. */
    private static final int RECORDS = 1000;

    private Path work;

    @BeforeEach
    void scratch()
    {
        work = Directories.scratch("native-access");
    }

    @AfterEach
    void cleanUp()
    {
        ChildProcess.assertNoCrashFiles(work.resolve("crashes"));
        Directories.delete(work);
    }

    @Test
    void shouldWarnOnceNamingTheFlagAndStillWorkWithoutNativeAccess()
    {
        final List<String> stderr = roundtrip(false);
        final List<String> mentions = mentionsOfTheFlag(stderr);
        assertEquals(1, mentions.size(), "expected exactly one line naming the flag, got:\n"
            + String.join("\n", stderr));
        assertTrue(mentions.getFirst().contains(ChildProcess.NATIVE_ACCESS_FLAG), mentions.getFirst());
        assertTrue(mentions.getFirst().startsWith("WARNING"), "the line is not a warning: " + mentions.getFirst());
        assertTrue(stderr.stream().noneMatch(line -> line.contains("restricted method")), "the JVM warned about a "
            + "restricted method call, so shardwal called one without native access:\n" + String.join("\n", stderr));
    }

    @Test
    void shouldNotMentionTheFlagWhenNativeAccessIsEnabled()
    {
        final List<String> stderr = roundtrip(true);
        assertEquals(List.of(), mentionsOfTheFlag(stderr), String.join("\n", stderr));
    }

    /** Runs a child that writes, syncs, closes, reopens and reads back; returns its stderr. */
    private List<String> roundtrip(final boolean nativeAccess)
    {
        final ChildArgs args = new ChildArgs().set("do", "roundtrip").set("dir", work.resolve("wal-" + nativeAccess))
            .set("shards", 2).set("segment", 16 * 1024).set("records", RECORDS).set("seed", 7);
        try (ChildProcess child = ChildProcess.of(ProbeChild.class, work.resolve("crashes"), args.toArray())
            .nativeAccess(nativeAccess).start())
        {
            assertEquals(0, child.awaitExit(TIMEOUT), child.describe());
            child.assertNoCrash();
            assertEquals(List.of("OK " + RECORDS), child.lines(), child.describe());
            return child.stderrLines();
        }
    }

    private static List<String> mentionsOfTheFlag(final List<String> stderr)
    {
        return stderr.stream().filter(line -> line.contains("--enable-native-access")).toList();
    }
}
