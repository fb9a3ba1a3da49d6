package io.shardwal.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tail} follows a log that another process is writing, and sees every record it appends. */
class TailCommandTest
{
    private static final int RECORDS = 3000;

    @TempDir
    Path dir;

    /**
     * The tail starts with --from-start: started in-process it may open the log only after the writer's first
     * bursts, and must see those too. The writer keeps appending in bursts for a while, so most records arrive
     * while the tail follows.
     */
    @Test
    void shouldSeeEveryRecordAppendedByAnotherProcessInShardOrder() throws Exception
    {
        final Path log = dir.resolve("live");
        final Process writer = startWriter(log);
        try (BufferedReader said = new BufferedReader(new InputStreamReader(writer.getInputStream(),
            StandardCharsets.UTF_8)); Writer tell = new java.io.OutputStreamWriter(writer.getOutputStream(),
            StandardCharsets.UTF_8))
        {
            assertEquals("OPEN", said.readLine(), "the writer opened the log");
            final StringWriter out = new StringWriter();
            final StringWriter err = new StringWriter();
            final int[] exit = {-1};
            final Thread tail = Thread.ofPlatform().name("tail").start(() -> exit[0] = ShardwalCli.execute(
                new PrintWriter(out), new PrintWriter(err), false, "tail", log.toString(), "--from-start", "--limit",
                String.valueOf(RECORDS)));
            tell.write("GO\n");
            tell.flush();
            assertEquals("DONE", said.readLine(), "the writer appended everything");
            tail.join(TimeUnit.SECONDS.toMillis(60));
            if (tail.isAlive())
            {
                tail.interrupt();
                tail.join();
            }
            assertEquals(0, exit[0], "tail stopped after --limit records: " + err + ", printed "
                + out.toString().lines().count());
            assertEveryRecordOnce(RecordText.parse(out.toString()));

            final Cli.Run inspect = Cli.run("inspect", log);
            assertTrue(inspect.out().contains("writer       live: pid " + writer.pid() + ", writing since "),
                inspect.out());
            final Cli.Run checkpoint = Cli.run("checkpoint", log, "while-live");
            assertEquals(3, checkpoint.exit());
            assertTrue(checkpoint.err().contains("is being written by pid " + writer.pid()), checkpoint.err());
            final Cli.Run verify = Cli.run("verify", log);
            assertEquals(0, verify.exit(), verify.toString());
            assertTrue(verify.out().startsWith("note: a live writer holds the log (pid " + writer.pid()),
                verify.out());
        }
        finally
        {
            assertTrue(writer.waitFor(30, TimeUnit.SECONDS), "the writer closed once its input closed");
        }
        assertEquals(0, writer.exitValue());
    }

    /** Every record the writer appended, once, with its exact bytes, in position order within each shard. */
    private static void assertEveryRecordOnce(final List<RecordText.Printed> printed)
    {
        assertEquals(RECORDS, printed.size());
        final Map<String, Integer> expected = new HashMap<>();
        for (int i = 0; i < RECORDS; i++)
        {
            expected.merge(Arrays.toString(TailWriterMain.key(i)) + Arrays.toString(TailWriterMain.value(i)), 1,
                Integer::sum);
        }
        final Map<String, Integer> seen = new HashMap<>();
        final Map<Integer, Long> lastPosition = new HashMap<>();
        for (final RecordText.Printed record : printed)
        {
            seen.merge(Arrays.toString(record.key()) + Arrays.toString(record.value()), 1, Integer::sum);
            final Long last = lastPosition.put(record.shard(), record.position());
            assertTrue(last == null || last < record.position(), "in position order within shard " + record.shard());
        }
        assertEquals(expected, seen);
        assertArrayEquals(TailWriterMain.key(0), printed.stream().filter(record -> Arrays.equals(record.key(),
            TailWriterMain.key(0))).findFirst().orElseThrow().key());
    }

    private static Process startWriter(final Path log) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(TailWriterMain.class.getName());
        command.add(log.toString());
        command.add(String.valueOf(RECORDS));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}
