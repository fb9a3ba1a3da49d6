package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class RegexMemoTest
{
    @Test
    void shouldRememberAnswersByValueAndNeverTrustTheHashAlone()
    {
        final RegexMemo memo = new RegexMemo();
        final MemorySegment a = utf8("host_00042");
        final MemorySegment b = utf8("host_00043");
        final long hashA = RegexMemo.hash(a, 0, (int)a.byteSize());
        assertEquals(RegexMemo.UNKNOWN, memo.lookup(hashA, a, 0, (int)a.byteSize()));
        memo.remember(hashA, a, 0, (int)a.byteSize(), true);
        assertEquals(RegexMemo.MATCHES, memo.lookup(hashA, a, 0, (int)a.byteSize()));
        assertEquals(RegexMemo.UNKNOWN, memo.lookup(hashA, b, 0, (int)b.byteSize()),
            "a different value presented with the same hash (a collision) is not answered from the memo");
        for (int i = 0; i < 10_000; i++)
        {
            final MemorySegment v = utf8("value-" + i);
            memo.remember(RegexMemo.hash(v, 0, (int)v.byteSize()), v, 0, (int)v.byteSize(), i % 3 == 0);
        }
        for (int i = 0; i < 10_000; i++)
        {
            final MemorySegment v = utf8("value-" + i);
            assertEquals(i % 3 == 0 ? RegexMemo.MATCHES : RegexMemo.MISMATCHES,
                memo.lookup(RegexMemo.hash(v, 0, (int)v.byteSize()), v, 0, (int)v.byteSize()));
        }
    }

    private static MemorySegment utf8(final String s)
    {
        return MemorySegment.ofArray(s.getBytes(StandardCharsets.UTF_8));
    }
}
