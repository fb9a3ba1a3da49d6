package io.shardwal.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.shardwal.metrics.JsonReader;
import io.shardwal.mmap.SegmentDescriptor;
import io.shardwal.wal.LogFiles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dump} prints exactly what was written, in each of its formats. */
class DumpCommandTest
{
    private static final Pattern HEX_HEADER = Pattern.compile(
        "shard=(\\d+) position=(\\d+) file=(\\S+) offset=(\\d+) frame=(\\d+) key=(\\d+) value=(\\d+)");

    @TempDir
    Path dir;

    private Path log;
    private List<TestLogs.Written> written;

    @BeforeEach
    void writeLog()
    {
        log = dir.resolve("log");
        written = TestLogs.write(log, 400);
    }

    private List<TestLogs.Written> inShard(final int shard)
    {
        return written.stream().filter(record -> record.shard() == shard).toList();
    }

    @Test
    void shouldPrintEveryRecordOfAShardExactlyAsWrittenInText()
    {
        for (int shard = 0; shard < TestLogs.SHARDS; shard++)
        {
            final Cli.Run run = Cli.run("dump", log, "--shard", shard);
            assertEquals(0, run.exit(), run.toString());
            final List<RecordText.Printed> printed = RecordText.parse(run.out());
            final List<TestLogs.Written> expected = inShard(shard);
            assertEquals(expected.size(), printed.size(), "records of shard " + shard);
            for (int i = 0; i < expected.size(); i++)
            {
                assertEquals(shard, printed.get(i).shard());
                assertEquals(expected.get(i).position(), printed.get(i).position());
                assertArrayEquals(expected.get(i).key(), printed.get(i).key(), "key at " + expected.get(i).position());
                assertArrayEquals(expected.get(i).value(), printed.get(i).value(), "value at "
                    + expected.get(i).position());
            }
        }
    }

    @Test
    void shouldPrintEveryShardInTurnWithoutShardAndStopAtTheLimit()
    {
        final Cli.Run all = Cli.run("dump", log);
        assertEquals(written.size(), RecordText.parse(all.out()).size());
        final Cli.Run limited = Cli.run("dump", log, "--limit", 7);
        final List<RecordText.Printed> seven = RecordText.parse(limited.out());
        assertEquals(7, seven.size());
        assertEquals(inShard(0).get(6).position(), seven.get(6).position());
    }

    @Test
    void shouldStartAtTheFirstRecordAtOrAfterFrom()
    {
        final List<TestLogs.Written> shard1 = inShard(1);
        final TestLogs.Written tenth = shard1.get(10);
        final Cli.Run exact = Cli.run("dump", log, "--shard", 1, "--from", tenth.position(), "--limit", 3);
        final List<RecordText.Printed> printed = RecordText.parse(exact.out());
        assertEquals(List.of(shard1.get(10).position(), shard1.get(11).position(), shard1.get(12).position()),
            printed.stream().map(RecordText.Printed::position).toList());
        final Cli.Run inside = Cli.run("dump", log, "--shard", 1, "--from", tenth.position() + 1, "--limit", 1);
        assertEquals(shard1.get(11).position(), RecordText.parse(inside.out()).getFirst().position(),
            "a position inside a record starts at the next one");
    }

    @Test
    void shouldHexdumpEachWholeFrameAsItLiesInItsSegmentFile() throws IOException
    {
        final Cli.Run run = Cli.run("dump", log, "--shard", 2, "--format", "hex");
        assertEquals(0, run.exit(), run.toString());
        final List<TestLogs.Written> expected = inShard(2);
        final String[] lines = run.out().split("\n");
        int record = 0;
        for (int i = 0; i < lines.length; )
        {
            final Matcher header = HEX_HEADER.matcher(lines[i++]);
            assertTrue(header.matches(), "header line: " + lines[i - 1]);
            final ByteArrayBuilder frame = new ByteArrayBuilder();
            while (i < lines.length && lines[i].startsWith("  "))
            {
                final String hex = lines[i++].substring(12, 61).replace(" ", "");
                frame.add(HexFormat.of().parseHex(hex));
            }
            final TestLogs.Written want = expected.get(record++);
            assertEquals(want.position(), Long.parseLong(header.group(2)));
            assertEquals(want.key().length, Integer.parseInt(header.group(6)));
            assertEquals(want.value().length, Integer.parseInt(header.group(7)));
            final byte[] bytes = frame.bytes();
            assertEquals(Integer.parseInt(header.group(5)), bytes.length, "the whole aligned frame");
            assertArrayEquals(want.key(), Arrays.copyOfRange(bytes, 12, 12 + want.key().length));
            assertArrayEquals(want.value(), Arrays.copyOfRange(bytes, 12 + want.key().length,
                12 + want.key().length + want.value().length));
            final byte[] file = Files.readAllBytes(log.resolve(header.group(3)));
            final int offset = Integer.parseInt(header.group(4));
            assertArrayEquals(Arrays.copyOfRange(file, offset, offset + bytes.length), bytes,
                "the frame as it lies in " + header.group(3) + " at " + offset);
        }
        assertEquals(expected.size(), record);
    }

    @Test
    void shouldPrintOneValidJsonObjectPerRecordWithTextOrBase64()
    {
        final Cli.Run run = Cli.run("dump", log, "--shard", 0, "--format", "json");
        assertEquals(0, run.exit(), run.toString());
        final List<TestLogs.Written> expected = inShard(0);
        final String[] lines = run.out().split("\n");
        assertEquals(expected.size(), lines.length);
        for (int i = 0; i < lines.length; i++)
        {
            final Map<String, Object> object = JsonReader.object(lines[i]);
            final TestLogs.Written want = expected.get(i);
            assertEquals(BigDecimal.ZERO, object.get("shard"));
            assertEquals(BigDecimal.valueOf(want.position()), object.get("position"));
            assertArrayEquals(want.key(), bytes(object, "key"), lines[i]);
            assertArrayEquals(want.value(), bytes(object, "value"), lines[i]);
        }
    }

    private static byte[] bytes(final Map<String, Object> object, final String name)
    {
        if (object.containsKey(name))
        {
            assertTrue(!object.containsKey(name + "Base64"), "one of text or base64");
            return ((String)object.get(name)).getBytes(StandardCharsets.UTF_8);
        }
        return Base64.getDecoder().decode((String)object.get(name + "Base64"));
    }

    @Test
    void shouldRefuseAShardThatDoesNotExistAndFromWithoutShardWithUsage()
    {
        final Cli.Run noShard = Cli.run("dump", log, "--shard", 9);
        assertEquals(2, noShard.exit());
        assertTrue(noShard.err().contains("--shard 9 does not exist: the log has 3 shards"), noShard.err());
        assertTrue(noShard.err().contains("Usage: shardwal dump"), noShard.err());
        final Cli.Run fromAlone = Cli.run("dump", log, "--from", 64);
        assertEquals(2, fromAlone.exit());
        assertTrue(fromAlone.err().contains("give --shard too"), fromAlone.err());
        final Cli.Run badFormat = Cli.run("dump", log, "--format", "xml");
        assertEquals(2, badFormat.exit());
        assertTrue(badFormat.err().contains("xml"), badFormat.err());
    }

    /**
     * A writer killed with a claim open leaves a dead claim that only the next writer's recovery pads; a read-only
     * reader stops there, so the committed records after it are not printed. That must not look like the end of
     * the shard: dump says so on stderr.
     */
    @Test
    void shouldSayThatRecordsMayFollowADeadClaimOfACrashedWriter() throws IOException
    {
        final List<TestLogs.Written> shard0 = inShard(0);
        final TestLogs.Written victim = shard0.get(shard0.size() / 2);
        final long base = victim.position() - victim.position() % TestLogs.SEGMENT_SIZE;
        final Path segment = log.resolve(String.format("shard_00/%020d.wal", base));
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final long offset = SegmentDescriptor.DATA_OFFSET + victim.position() - base;
            final ByteBuffer length = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(length, offset);
            length.putInt(0, -length.getInt(0)).rewind();
            channel.write(length, offset);
        }
        final Path lock = log.resolve("LOCK");
        // What the writer's LOCK said while it ran (its record is checksummed: written as an earlier version's text)
        final StringBuilder running = new StringBuilder();
        LogFiles.lastWriter(log).fields().forEach((key, value) -> running.append(key).append('=')
            .append(key.equals("state") ? "open" : value).append('\n'));
        Files.writeString(lock, running);

        final Cli.Run run = Cli.run("dump", log, "--shard", 0);

        assertEquals(0, run.exit(), run.toString());
        assertEquals(shard0.indexOf(victim), RecordText.parse(run.out()).size(), "stops at the dead claim");
        assertTrue(run.err().contains("the last writer did not close"), run.err());
        assertTrue(run.err().contains("shardwal verify"), run.err());
    }

    /** A damaged LOCK leaves the last writer's stop unknown, which is worth a note, not a reason to print nothing. */
    @Test
    void shouldDumpEveryRecordWhenLockIsDamagedAndSaySo() throws IOException
    {
        final Path lock = log.resolve("LOCK");
        Files.writeString(lock, Files.readString(lock).replace("state=closed", "state=xlosed"));

        final Cli.Run run = Cli.run("dump", log, "--shard", 0);
        final Cli.Run inspect = Cli.run("inspect", log);

        assertEquals(0, run.exit(), run.toString());
        assertEquals(inShard(0).size(), RecordText.parse(run.out()).size());
        assertTrue(run.err().contains("how the last writer stopped is unknown") && run.err().contains("LOCK"),
            run.err());
        assertEquals(0, inspect.exit(), inspect.toString());
        assertTrue(inspect.out().contains("the last writer is unknown: CORRUPT"), inspect.out());
    }

    /** Collects byte arrays. */
    private static final class ByteArrayBuilder
    {
        private final List<byte[]> parts = new ArrayList<>();

        void add(final byte[] part)
        {
            parts.add(part);
        }

        byte[] bytes()
        {
            final int length = parts.stream().mapToInt(part -> part.length).sum();
            final byte[] all = new byte[length];
            int at = 0;
            for (final byte[] part : parts)
            {
                System.arraycopy(part, 0, all, at, part.length);
                at += part.length;
            }
            return all;
        }
    }
}
