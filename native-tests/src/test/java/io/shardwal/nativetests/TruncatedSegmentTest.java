package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/**
 * A segment file cut short (a bad copy, a full disk of some other tool, a careless {@code truncate}) must be a
 * clear error naming the file — FORMAT, from the validation every segment gets before it is mapped — never a
 * SIGBUS that takes the JVM down when a mapped page past the end of the file is touched.
 */
@Slow
class TruncatedSegmentTest
{
    private static final long SEGMENT = 64 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final long seed = Seeds.seed();
    private final RecordScheme scheme = new RecordScheme(seed);
    private final long[] recordsPerShard = new long[2];
    private Path work;
    private Path dir;
    private Path damaged;

    @BeforeEach
    void writeLog()
    {
        work = Directories.scratch("truncated");
        dir = work.resolve("wal");
        try (ShardedWal wal = ShardedWal.open(options()))
        {
            for (long seq = 0; seq < 3000; seq++)
            {
                final long address = wal.append(scheme.key(0, seq), scheme.value(0, seq));
                recordsPerShard[(int)(address >>> 48)]++;
            }
        }
        damaged = dir.resolve("shard_01").resolve(String.format("%020d.wal", 2 * SEGMENT));
        assertTrue(Files.exists(damaged), "the log is too short for this test: no " + damaged);
    }

    @AfterEach
    void cleanUp()
    {
        ChildProcess.assertNoCrashFiles(work.resolve("crashes"));
        Directories.delete(work);
    }

    @ParameterizedTest(name = "cut to {0} bytes")
    @ValueSource(longs = {0, 100, 4096, 4096 + SEGMENT / 2, 4096 + SEGMENT - 8})
    void shouldReportATruncatedSegmentOpenedReadOnlyAsAFormatErrorNamingTheFile(final long length)
        throws IOException
    {
        truncate(damaged, length);
        final ChildArgs args = new ChildArgs().set("do", "read").set("dir", dir).set("seed", seed);
        try (ChildProcess reader = ChildProcess.of(ProbeChild.class, work.resolve("crashes"), args.toArray()).start())
        {
            assertEquals(0, reader.awaitExit(TIMEOUT), "the reader did not end normally\n" + reader.describe());
            reader.assertNoCrash();
            final List<String> lines = reader.lines();
            assertEquals("SHARD 0 " + recordsPerShard[0], lines.getFirst(), "the intact shard was not read whole\n"
                + reader.describe());
            final String error = lines.getLast();
            assertTrue(error.startsWith("ERROR FORMAT "), "reading the damaged shard did not end in a FORMAT error\n"
                + reader.describe());
            assertTrue(error.contains(damaged.toString()), "the error does not name " + damaged + ": " + error);
            assertTrue(lines.stream().noneMatch(line -> line.startsWith("BAD ")), reader.describe());
        }
    }

    /**
     * A segment cut short while a reader process has it mapped: what lies past the new end reads as zeros (inside
     * the last page) or faults (past it). The reader must not take that for the end of the log, nor pass on the
     * fault: it must fail with a shardwal error naming the file.
     */
    @ParameterizedTest(name = "cut to {0} bytes under the reader")
    @ValueSource(longs = {4096 + 1000, 8192})
    void shouldReportASegmentCutShortUnderAReaderAsAnErrorNamingTheFile(final long length)
    {
        final ChildArgs args = new ChildArgs().set("do", "shrink").set("dir", dir).set("file", damaged)
            .set("length", length);
        try (ChildProcess reader = ChildProcess.of(ProbeChild.class, work.resolve("crashes"), args.toArray()).start())
        {
            assertEquals(0, reader.awaitExit(TIMEOUT), "the reader did not end normally\n" + reader.describe());
            reader.assertNoCrash();
            final String outcome = reader.lines().getLast();
            assertTrue(outcome.startsWith("ERROR ") && outcome.contains(damaged.toString()), "reading after the "
                + "segment was cut short under the reader should fail naming " + damaged + ", but: " + outcome);
        }
    }

    @Test
    void shouldRefuseToRecoverATruncatedSegmentAndLeaveItAsItWas() throws IOException
    {
        final long length = 4096 + SEGMENT / 2;
        truncate(damaged, length);
        final ShardwalException refused = assertThrows(ShardwalException.class, () -> ShardedWal.open(options()));
        assertEquals(ShardwalException.Category.FORMAT, refused.category(), refused.toString());
        assertTrue(refused.getMessage().contains(damaged.toString()), "the error does not name " + damaged + ": "
            + refused.getMessage());
        assertEquals(length, Files.size(damaged), "a refused open changed the damaged file");
    }

    private WalOptions options()
    {
        // ASYNC: the damage, not durability, is under test here (close() syncs everything anyway).
        return WalOptions.builder(dir).shardCount(2).segmentSize(SEGMENT).syncMode(SyncMode.ASYNC).build();
    }

    private static void truncate(final Path file, final long length) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(length);
        }
    }
}
