package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Packing and unpacking record addresses, and what is refused. */
class RecordAddressTest
{
    @Test
    void shouldPackAndUnpackTheLimits()
    {
        final long address = RecordAddress.of(RecordAddress.MAX_SHARDS - 1, RecordAddress.MAX_POSITION);
        assertEquals(RecordAddress.MAX_SHARDS - 1, RecordAddress.shard(address));
        assertEquals(RecordAddress.MAX_POSITION, RecordAddress.position(address));
        assertEquals(0, RecordAddress.shard(RecordAddress.of(0, 8)));
        assertEquals(8, RecordAddress.position(RecordAddress.of(0, 8)));
        assertEquals("shard 3 position 64", RecordAddress.toString(RecordAddress.of(3, 64)));
    }

    @Test
    void shouldRefuseWhatCannotBePacked()
    {
        assertThrows(IllegalArgumentException.class, () -> RecordAddress.of(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> RecordAddress.of(RecordAddress.MAX_SHARDS, 0));
        assertThrows(IllegalArgumentException.class, () -> RecordAddress.of(0, -8));
        assertThrows(IllegalArgumentException.class, () -> RecordAddress.of(0, RecordAddress.MAX_POSITION + 1));
    }

    @Test
    void shouldRefuseToUnpackANegativeAddress()
    {
        for (final long bad : new long[] {-1, Long.MIN_VALUE, Long.MIN_VALUE | RecordAddress.of(2, 16)})
        {
            final IllegalArgumentException shard = assertThrows(IllegalArgumentException.class,
                () -> RecordAddress.shard(bad));
            assertTrue(shard.getMessage().startsWith(bad + " is not a record address"), shard.getMessage());
            assertThrows(IllegalArgumentException.class, () -> RecordAddress.position(bad));
            assertEquals("not a record address (" + bad + ")", RecordAddress.toString(bad));
        }
    }
}
