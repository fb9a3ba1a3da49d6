package io.shardwal.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class XxHash64Test
{
    private static final long PRIME32 = 2654435761L;
    /** 11400714785074694797: the generator multiplier of the reference sanity buffer (not XXH64's PRIME64_1). */
    private static final long PRIME64 = 0x9E3779B185EBCA8DL;

    /** The reference sanity buffer of xxHash: byte i is the top byte of PRIME32 * PRIME64^i. */
    private static byte[] sanityBuffer(final int length)
    {
        final byte[] bytes = new byte[length];
        long generator = PRIME32;
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(generator >>> 56);
            generator *= PRIME64;
        }
        return bytes;
    }

    @Test
    void shouldMatchTheReferenceSanityVectors()
    {
        final byte[] buffer = sanityBuffer(4096 + 64 + 1);
        final long[][] vectors = {
            {0, 0, 0xEF46DB3751D8E999L},
            {0, PRIME32, 0xAC75FDA2929B17EFL},
            {1, 0, 0xE934A84ADB052768L},
            {1, PRIME32, 0x5014607643A9B4C3L},
            {4, 0, 0x9136A0DCA57457EEL},
            {14, 0, 0x8282DCC4994E35C8L},
            {14, PRIME32, 0xC3BD6BF63DEB6DF0L},
            {222, 0, 0xB641AE8CB691C174L},
            {222, PRIME32, 0x20CB8AB7AE10C14AL},
        };
        for (final long[] v : vectors)
        {
            assertEquals(v[2], XxHash64.hash(buffer, 0, (int)v[0], v[1]), () -> "length " + v[0] + " seed " + v[1]);
            assertEquals(v[2], XxHash64.hash(MemorySegment.ofArray(buffer).asReadOnly(), 0, v[0], v[1]),
                () -> "segment path, length " + v[0] + " seed " + v[1]);
        }
    }

    @Test
    void shouldHashTheSameBytesTheSameWhateverHoldsThem()
    {
        final byte[] bytes = "the same key in three containers, long enough for the 32-byte loop"
            .getBytes(StandardCharsets.UTF_8);
        final long expected = XxHash64.hash(bytes, 42);
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment offHeap = arena.allocate(bytes.length + 3);
            MemorySegment.copy(bytes, 0, offHeap, java.lang.foreign.ValueLayout.JAVA_BYTE, 3, bytes.length);
            assertEquals(expected, XxHash64.hash(offHeap, 3, bytes.length, 42));
        }
        final ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        assertEquals(expected, XxHash64.hash(direct, 42));
        assertEquals(0, direct.position());
        final byte[] padded = new byte[bytes.length + 5];
        System.arraycopy(bytes, 0, padded, 5, bytes.length);
        assertEquals(expected, XxHash64.hash(padded, 5, bytes.length, 42));
    }

    @Test
    void shouldAgreeBetweenArrayAndSegmentPathsForEveryLengthAndOffset()
    {
        final byte[] bytes = sanityBuffer(200);
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment offHeap = arena.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, offHeap, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
            for (int offset = 0; offset < 9; offset++)
            {
                for (int length = 0; offset + length <= 120; length++)
                {
                    assertEquals(XxHash64.hash(offHeap, offset, length, 3), XxHash64.hash(bytes, offset, length, 3),
                        "offset " + offset + " length " + length);
                }
            }
        }
    }

    @Test
    void shouldHashOneLongLikeItsEightLittleEndianBytes()
    {
        final long value = 0x0123_4567_89AB_CDEFL;
        final byte[] bytes = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(value).array();
        assertEquals(XxHash64.hash(bytes, 7), XxHash64.hashLong(value, 7));
    }
}
