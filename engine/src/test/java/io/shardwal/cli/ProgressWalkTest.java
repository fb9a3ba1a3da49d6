package io.shardwal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.shardwal.wal.ShardedWal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ProgressWalk}: shards in parallel, each shard's records in order on one thread, progress that only grows. */
class ProgressWalkTest
{
    @TempDir
    Path dir;

    @Test
    void shouldHandEveryShardItsRecordsInOrderFromOneThreadAndShowGrowingProgress()
    {
        final List<TestLogs.Written> written = TestLogs.write(dir, 3000);
        final long quiet = ProgressBar.longWorkNanos;
        ProgressBar.longWorkNanos = 0;
        try (ShardedWal wal = ShardedWal.openReadOnly(dir))
        {
            final long[] ends = new long[wal.shardCount()];
            java.util.Arrays.setAll(ends, wal::committedPosition);
            final List<List<Long>> seen = new ArrayList<>();
            final List<Set<String>> threads = new ArrayList<>();
            for (int shard = 0; shard < ends.length; shard++)
            {
                seen.add(new ArrayList<>());
                threads.add(ConcurrentHashMap.newKeySet());
            }
            final StringWriter progress = new StringWriter();
            ProgressWalk.walk(wal, ends, new PrintWriter(progress), false, "walking", shard -> record ->
            {
                seen.get(shard).add(record.position());
                threads.get(shard).add(Thread.currentThread().getName());
            });

            for (int shard = 0; shard < ends.length; shard++)
            {
                final int s = shard;
                assertEquals(written.stream().filter(record -> record.shard() == s).map(TestLogs.Written::position)
                    .toList(), seen.get(shard), "shard " + shard + ": every record once, in position order");
                assertEquals(1, threads.get(shard).size(), "shard " + shard + " is walked by one thread");
            }
            final Matcher percent = Pattern.compile("walking: (\\d+)%").matcher(progress.toString());
            int last = -1;
            while (percent.find())
            {
                final int now = Integer.parseInt(percent.group(1));
                assertTrue(now > last, progress.toString());
                last = now;
            }
            assertEquals(100, last, progress.toString());
        }
        finally
        {
            ProgressBar.longWorkNanos = quiet;
        }
    }
}
