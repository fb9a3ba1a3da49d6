package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.shardwal.mmap.ShardwalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Zero-copy claims written out of bounds or after their log closed. */
class WalClaimTest
{
    @TempDir
    Path dir;

    private ShardedWal open()
    {
        return ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(1 << 16).syncMode(SyncMode.ASYNC)
            .build());
    }

    @Test
    void shouldRefuseValueBytesPastTheClaimedLengthAndKeepEveryFrameIntact()
    {
        try (ShardedWal wal = open(); WalClaim claim = new WalClaim())
        {
            final long address = wal.tryClaim(new byte[] {7}, 4, claim);
            final IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> claim.putValue(2, new byte[] {1, 2, 3, 4}, 0, 4));
            assertTrue(tooLong.getMessage().contains("shard 0"), tooLong.getMessage());
            assertTrue(tooLong.getMessage().contains("position " + RecordAddress.position(address)),
                tooLong.getMessage());
            assertThrows(IllegalArgumentException.class, () -> claim.putValue(0, ByteBuffer.allocate(5)));
            assertThrows(IndexOutOfBoundsException.class, () -> claim.buffer().set(ValueLayout.JAVA_LONG_UNALIGNED,
                claim.valueOffset() + claim.valueLength(), -1L), "the buffer ends with the claimed value");

            claim.buffer().set(ValueLayout.JAVA_INT_UNALIGNED, claim.valueOffset(), 0x04030201);
            assertEquals(address, claim.commit());
            final long next = wal.append(new byte[] {8}, new byte[] {9});

            final List<byte[]> values = new ArrayList<>();
            assertEquals(2, wal.iterShard(0, 0, Long.MAX_VALUE, record -> values.add(record.valueBytes())));
            assertArrayEquals(new byte[] {1, 2, 3, 4}, values.get(0));
            assertArrayEquals(new byte[] {9}, values.get(1));
            assertTrue(RecordAddress.position(next) > RecordAddress.position(address));
        }
    }

    @Test
    void shouldFailClearlyWhenAClaimIsWrittenAfterItsLogClosed()
    {
        final WalClaim claim = new WalClaim();
        try (ShardedWal wal = open())
        {
            wal.tryClaim(new byte[] {7}, 8, claim);
        }
        final ShardwalException e = assertThrows(ShardwalException.class,
            () -> claim.putValue(0, new byte[] {1}, 0, 1));
        assertEquals(ShardwalException.Category.CLOSED, e.category());
        assertEquals(ShardwalException.Category.CLOSED,
            assertThrows(ShardwalException.class, claim::commit).category());
    }
}
