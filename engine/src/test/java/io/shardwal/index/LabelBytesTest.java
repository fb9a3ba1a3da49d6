package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.shardwal.route.XxHash64;

/**
 * The encoder's caches (by string and by whole label) must never change what it produces: every encoding is checked
 * against one computed from scratch, over label sets that reuse String instances, repeat equal but distinct strings,
 * mix in non-ASCII and over-long strings, and use enough different labels to evict and collide in both caches.
 */
class LabelBytesTest
{
    private static final String[] NAMES = {"__name__", "job", "instance", "zone", "m\u00f6de", "le", "path"};

    @Test
    void shouldEncodeLikeAFreshEncoderWhateverTheCachesHold()
    {
        final SplittableRandom random = new SplittableRandom(7);
        final String[] values = new String[3000];
        for (int i = 0; i < values.length; i++)
        {
            values[i] = randomValue(random, i);
        }
        final LabelBytes encoder = new LabelBytes();
        for (int round = 0; round < 20_000; round++)
        {
            final int n = 1 + random.nextInt(NAMES.length);
            final String[] namesAndValues = new String[2 * n];
            for (int i = 0; i < n; i++)
            {
                namesAndValues[2 * i] = random.nextInt(4) == 0 ? new String(NAMES[i]) : NAMES[i];
                final String value = values[random.nextInt(random.nextBoolean() ? 40 : values.length)];
                namesAndValues[2 * i + 1] = random.nextInt(4) == 0 ? new String(value) : value;
            }
            final Labels labels = Labels.of(namesAndValues);
            final long hash = encoder.encode(labels);
            final byte[] expected = canonical(labels);
            assertEquals(XxHash64.hash(expected, SeriesIds.SEED), hash, labels::toString);
            assertArrayEquals(expected, Arrays.copyOf(encoder.bytes, encoder.length), labels::toString);
            assertEquals(labels.size(), encoder.count);
            int at = 0;
            for (int i = 0; i < labels.size(); i++)
            {
                at = checkString(encoder, labels, labels.name(i), at, encoder.nameOffset(i), encoder.nameLength(i),
                    encoder.nameHash(i));
                at = checkString(encoder, labels, labels.value(i), at, encoder.valueOffset(i), encoder.valueLength(i),
                    encoder.valueHash(i));
            }
        }
    }

    @Test
    void shouldRefuseALoneSurrogateEvenAfterTheNameWasCached()
    {
        final LabelBytes encoder = new LabelBytes();
        encoder.encode(Labels.of("job", "ok"));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> encoder.encode(Labels.of("job", "bad\ud800")));
        assertEquals("label value of 'job' is not valid UTF-16: lone surrogate U+D800 at index 3", e.getMessage());
        assertEquals(XxHash64.hash(canonical(Labels.of("job", "ok")), SeriesIds.SEED),
            encoder.encode(Labels.of("job", "ok")));
    }

    @Test
    void shouldRefuseAnOverLongStringWithoutGrowingTheThreadsBuffersForIt()
    {
        final LabelBytes encoder = new LabelBytes();
        final String huge = "\u00e9".repeat(10_000_000);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> encoder.encode(Labels.of("job", "ok", "path", huge)));
        assertEquals("label value of 'path' is 20000000 UTF-8 bytes; the limit is 65535", e.getMessage());
        // the buffers stay for the thread's life: one rejected string must not size them for itself
        assertTrue(encoder.bytes.length < 1 << 20, "buffer of " + encoder.bytes.length + " bytes");
        assertEquals(XxHash64.hash(canonical(Labels.of("job", "ok")), SeriesIds.SEED),
            encoder.encode(Labels.of("job", "ok")));
    }

    private static int checkString(final LabelBytes encoder, final Labels labels, final String s, final int at,
        final int offset, final int length, final int hash)
    {
        final byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        assertEquals(at, offset, labels::toString);
        assertEquals(utf8.length, length, labels::toString);
        assertEquals(LabelBytes.hash32(s), hash, labels::toString);
        assertEquals(LabelBytes.SEPARATOR, encoder.bytes[offset + length], labels::toString);
        return offset + length + 1;
    }

    private static String randomValue(final SplittableRandom random, final int i)
    {
        return switch (random.nextInt(6))
        {
            case 0 -> "v\u00e9" + i;                     // two-byte UTF-8
            case 1 -> "\ud83d\ude00" + i;               // a surrogate pair: four bytes
            case 2 -> "long-".repeat(40) + i;           // over the caches' size limits
            default -> "value-" + i;
        };
    }

    private static byte[] canonical(final Labels labels)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < labels.size(); i++)
        {
            out.writeBytes(labels.name(i).getBytes(StandardCharsets.UTF_8));
            out.write(0xFF);
            out.writeBytes(labels.value(i).getBytes(StandardCharsets.UTF_8));
            out.write(0xFF);
        }
        return out.toByteArray();
    }
}
