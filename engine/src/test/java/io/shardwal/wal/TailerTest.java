package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a tailer stands after a handler fails, and what it delivers next. */
class TailerTest
{
    @TempDir
    Path dir;

    @Test
    void shouldStandAtTheRecordWhoseHandlerThrewAndDeliverItNext()
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(dir).shardCount(1).segmentSize(1 << 16)
            .syncMode(SyncMode.ASYNC).build()))
        {
            final List<Long> written = new ArrayList<>();
            for (int i = 0; i < 5; i++)
            {
                written.add(wal.append(new byte[] {1}, new byte[] {(byte)i}));
            }
            try (Tailer tailer = wal.tailer(0, 0))
            {
                final List<Long> seen = new ArrayList<>();
                final RuntimeException failure = new IllegalStateException("handler failed");
                assertSame(failure, assertThrows(RuntimeException.class, () -> tailer.poll(record ->
                {
                    if (record.address() == written.get(2))
                    {
                        throw failure;
                    }
                    seen.add(record.address());
                }, 10)));
                assertEquals(written.subList(0, 2), seen);
                assertEquals(RecordAddress.position(written.get(2)), tailer.position(),
                    "the next record the tailer reads is the one whose handler threw");

                assertEquals(3, tailer.poll(record -> seen.add(record.address()), 10));
                assertEquals(written, seen, "nothing skipped, nothing delivered twice");
            }
        }
    }
}
