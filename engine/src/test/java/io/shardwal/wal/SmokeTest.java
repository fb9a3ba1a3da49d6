package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SmokeTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(SyncMode.class)
    void shouldReadBackWhatWasWritten(final SyncMode mode)
    {
        final WalOptions options = WalOptions.builder(dir).shardCount(3).segmentSize(8192).syncMode(mode).build();
        final List<Long> addresses = new ArrayList<>();
        try (ShardedWal wal = ShardedWal.open(options))
        {
            for (int i = 0; i < 500; i++)
            {
                addresses.add(wal.append(("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
        }
        try (ShardedWal wal = ShardedWal.open(options))
        {
            System.out.println(wal.recoveryReport().summary());
            final List<Long> seen = new ArrayList<>();
            for (int s = 0; s < 3; s++)
            {
                wal.iterShard(s, 0, Long.MAX_VALUE, r -> seen.add(r.address()));
            }
            assertEquals(addresses.stream().sorted().toList(), seen.stream().sorted().toList());
        }
    }
}
