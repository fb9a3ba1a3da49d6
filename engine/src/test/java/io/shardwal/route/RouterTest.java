package io.shardwal.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class RouterTest
{
    static final String VECTORS = "/golden/routing-v1.csv";
    static final int[] SHARD_COUNTS = {1, 2, 3, 4, 7, 8, 16, 64, 1000};

    @Test
    void shouldMatchTheReferenceJumpHashVectors()
    {
        final int[] golden100 = {0, 55, 62, 8, 45, 59, 86, 97, 82, 59, 73, 37, 17, 56, 86, 21, 90, 37, 38, 83};
        for (int key = 0; key < golden100.length; key++)
        {
            assertEquals(golden100[key], Router.jump(key, 100), "key " + key);
        }
        assertEquals(6, Router.jump(10863919174838991L, 11));
        assertEquals(3, Router.jump(2016238256797177309L, 11));
        assertEquals(5, Router.jump(1673758223894951030L, 11));
        assertEquals(80343, Router.jump(2, 100001));
        assertEquals(22152, Router.jump(2201, 100001));
        assertEquals(15018, Router.jump(2202, 100001));
        final int[] deadbeef = {0, 1, 2, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 16, 16, 16};
        for (int buckets = 1; buckets <= deadbeef.length; buckets++)
        {
            assertEquals(deadbeef[buckets - 1], Router.jump(0xdeadbeefL, buckets), "buckets " + buckets);
        }
    }

    @Test
    void shouldRouteKeysExactlyAsTheGoldenTableSays() throws IOException
    {
        final List<String> lines = readVectors();
        assertTrue(lines.size() > 100);
        for (final String line : lines)
        {
            final String[] fields = line.split(",");
            final byte[] key = fields[0].getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < SHARD_COUNTS.length; i++)
            {
                final int expectedJump = Integer.parseInt(fields[1 + i]);
                final int expectedModulo = Integer.parseInt(fields[1 + SHARD_COUNTS.length + i]);
                assertEquals(expectedJump, new Router(RouterKind.JUMP, 0, SHARD_COUNTS[i]).shard(key), line);
                assertEquals(expectedModulo, new Router(RouterKind.MODULO, 0, SHARD_COUNTS[i]).shard(key), line);
            }
        }
    }

    @Test
    void shouldRouteTheSameBytesTheSameWhateverHoldsThem()
    {
        final Router router = new Router(RouterKind.JUMP, 99, 16);
        for (int i = 0; i < 1000; i++)
        {
            final byte[] key = ("order-" + i).getBytes(StandardCharsets.UTF_8);
            final int shard = router.shard(key);
            assertEquals(shard, router.shard(ByteBuffer.wrap(key)));
            assertEquals(shard, router.shard(MemorySegment.ofArray(key)));
            assertEquals(shard, router.shardOfHash(XxHash64.hash(key, 99)));
        }
    }

    @Test
    void shouldMoveFewKeysWhenAShardIsAddedUnderJump()
    {
        int moved = 0;
        final int keys = 20_000;
        for (int i = 0; i < keys; i++)
        {
            final byte[] key = ("k" + i).getBytes(StandardCharsets.UTF_8);
            final int before = new Router(RouterKind.JUMP, 0, 8).shard(key);
            final int after = new Router(RouterKind.JUMP, 0, 9).shard(key);
            if (before != after)
            {
                moved++;
                assertEquals(8, after, "a moved key goes to the new shard");
            }
        }
        assertTrue(moved > keys / 9 * 0.8 && moved < keys / 9 * 1.2, "about 1/9 of the keys move: " + moved);
    }

    @Test
    void shouldRejectAnImpossibleShardCount()
    {
        assertThrows(IllegalArgumentException.class, () -> new Router(RouterKind.JUMP, 0, 0));
        assertThrows(NullPointerException.class, () -> new Router(null, 0, 4));
    }

    private static List<String> readVectors() throws IOException
    {
        final List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
            RouterTest.class.getResourceAsStream(VECTORS), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                if (!line.startsWith("#") && !line.isBlank())
                {
                    lines.add(line);
                }
            }
        }
        return lines;
    }

    /** Regenerates the golden table (a conscious act: routing is part of the format). Run from the project root. */
    public static void main(final String[] args) throws IOException
    {
        final Path target = Path.of("engine/src/test/resources" + VECTORS);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(target, StandardCharsets.UTF_8)))
        {
            final StringBuilder header = new StringBuilder("# key");
            for (final int count : SHARD_COUNTS)
            {
                header.append(",jump").append(count);
            }
            for (final int count : SHARD_COUNTS)
            {
                header.append(",mod").append(count);
            }
            out.println("# shardwal routing v1: shard = router(xxHash64(utf8(key), seed 0), shard count)");
            out.println(header);
            for (int i = 0; i < 200; i++)
            {
                final String key = i % 3 == 0 ? "order-" + i : i % 3 == 1 ? "sensor/" + (i * 7919) : "k" + i;
                final StringBuilder line = new StringBuilder(key);
                for (final int count : SHARD_COUNTS)
                {
                    line.append(',').append(new Router(RouterKind.JUMP, 0, count).shard(key.getBytes(StandardCharsets.UTF_8)));
                }
                for (final int count : SHARD_COUNTS)
                {
                    line.append(',').append(new Router(RouterKind.MODULO, 0, count).shard(key.getBytes(StandardCharsets.UTF_8)));
                }
                out.println(line);
            }
        }
    }
}
