package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.shardwal.route.XxHash64;

class SeriesIdsTest
{
    /**
     * The golden file pins the id of each label set forever: series ids are written into write-ahead logs, so a
     * change here is a format change. Lines: id, then names and values, tab-separated, Java escapes.
     */
    @Test
    void shouldDeriveTheSameIdsAsTheGoldenFile() throws IOException
    {
        int lines = 0;
        try (InputStream in = getClass().getResourceAsStream("series-ids.golden"))
        {
            assertNotNull(in, "series-ids.golden on the test class path");
            final BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine())
            {
                if (line.isEmpty() || line.startsWith("#"))
                {
                    continue;
                }
                final String[] fields = line.split("\t", -1);
                final List<String> namesAndValues = new ArrayList<>();
                for (int i = 1; i < fields.length; i++)
                {
                    namesAndValues.add(unescape(fields[i]));
                }
                final Labels labels = Labels.of(namesAndValues.toArray(new String[0]));
                assertEquals(fields[0], SeriesIds.toString(SeriesIds.hash(labels)), labels::toString);
                lines++;
            }
        }
        assertEquals(6, lines);
    }

    @Test
    void shouldHashTheDocumentedCanonicalEncoding()
    {
        final Labels labels = Labels.of("mode", "\u00e9t\u00e9", "job", "node", "__name__", "up");
        final ByteArrayOutputStream canonical = new ByteArrayOutputStream();
        for (final String s : new String[] {"__name__", "up", "job", "node", "mode", "\u00e9t\u00e9"})
        {
            canonical.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            canonical.write(0xFF);
        }
        assertEquals(XxHash64.hash(canonical.toByteArray(), SeriesIds.SEED), SeriesIds.hash(labels));
    }

    @Test
    void shouldKeepCollisionCandidatesInTheSameShardAndFindTheirPosition()
    {
        final long hash = 0x1234_5678_FFFF_FFFEL;
        long id = hash;
        for (int k = 0; k < SeriesIds.MAX_CANDIDATES; k++)
        {
            assertEquals(hash >>> 32, id >>> 32);
            assertEquals(k, SeriesIds.candidateIndex(hash, id));
            id = SeriesIds.next(id);
        }
        assertEquals(-1, SeriesIds.candidateIndex(hash, id));
        assertEquals(-1, SeriesIds.candidateIndex(hash, hash ^ (1L << 40)));
        assertEquals(-1, SeriesIds.candidateIndex(hash, hash - 1));
    }

    @Test
    void shouldRejectLabelsThatAreNotValidUtf16()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> SeriesIds.hash(Labels.of("a", "x\uD800y")));
        assertEquals("label value of 'a' is not valid UTF-16: lone surrogate U+D800 at index 1", e.getMessage());
    }

    @Test
    void shouldRejectStringsLongerThanTheLimit()
    {
        final String big = "x".repeat(IndexDescriptor.MAX_STRING_BYTES + 1);
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> SeriesIds.hash(Labels.of("a", big)));
        assertEquals("label value of 'a' is 65536 UTF-8 bytes; the limit is 65535", e.getMessage());
    }

    private static String unescape(final String s)
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (c != '\\')
            {
                sb.append(c);
                continue;
            }
            final char e = s.charAt(++i);
            switch (e)
            {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case '\\' -> sb.append('\\');
                case 'u' ->
                {
                    sb.append((char)Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> throw new IllegalArgumentException("bad escape \\" + e);
            }
        }
        return sb.toString();
    }
}
