package io.shardwal.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.shardwal.checkpoint.Checkpoint;
import io.shardwal.index.Labels;
import io.shardwal.index.Matcher;
import io.shardwal.index.SeriesIds;
import io.shardwal.index.ShardedIndex;
import io.shardwal.ingest.Ingest;
import io.shardwal.ingest.IngestOptions;
import io.shardwal.ingest.IngestReplay;
import io.shardwal.ingest.PrometheusTextParser;
import io.shardwal.mmap.FrameClaim;
import io.shardwal.mmap.FrameReader;
import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentAppender;
import io.shardwal.wal.RecordAddress;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.Tailer;
import io.shardwal.wal.WalOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's examples, compiled and run, so the README cannot drift from the API. */
class ReadmeExampleTest
{
    @TempDir
    Path dir;

    @Test
    void shouldRunTheEmbeddingExample()
    {
        final Path directory = dir.resolve("orders");
        // --- README: embedding example ---
        final WalOptions options = WalOptions.builder(directory)
            .shardCount(8)
            .syncMode(SyncMode.STRICT)           // an append returns once it is msynced (group commit)
            .build();
        try (ShardedWal wal = ShardedWal.open(options))
        {
            final byte[] key = "order-42".getBytes(StandardCharsets.UTF_8);
            final long address = wal.append(key, "BUY 100 @ 17.25".getBytes(StandardCharsets.UTF_8));
            final int shard = RecordAddress.shard(address);          // where it went
            final long position = RecordAddress.position(address);   // its position in that shard

            final Checkpoint checkpoint = wal.createCheckpoint("raft-1001");

            try (Tailer tailer = wal.tailer(shard, 0))               // zero-copy, live across segment rolls
            {
                tailer.poll(record -> System.out.println(record.position() + " "
                    + new String(record.valueBytes(), StandardCharsets.UTF_8)), 100);
            }
            // --- end of example ---
            assertEquals(0, position);
            assertEquals(checkpoint, wal.loadLatestCheckpoint().orElseThrow());
        }
    }

    @Test
    void shouldRunTheSegmentAppenderExample() throws Exception
    {
        final Path file = dir.resolve("00000000000000000000.wal");
        // --- README: mmap example ---
        try (MappedSegment segment = MappedSegment.create(file, 0, 64L << 20, 0))
        {
            final SegmentAppender appender = new SegmentAppender(segment);   // any number of threads
            final FrameClaim claim = new FrameClaim();                       // one per thread, reused

            long position = appender.append("k".getBytes(), "copied value".getBytes(), claim);

            if (appender.tryClaim(1, 8, claim) >= 0)                         // zero-copy: write in place
            {
                claim.putKey("z".getBytes());
                claim.buffer().set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, claim.valueOffset(), 42L);
                claim.commit();                                              // or abort(); close() aborts
            }
            segment.msync(0, segment.claimedLimit());                        // durability is explicit

            final FrameReader reader = new FrameReader(segment, 0, true);    // CRC-checked, committed frames only
            reader.poll(frame -> System.out.println(frame.position() + ": " + frame.valueLength() + " bytes"), 10);
            // --- end of example ---
            assertEquals(0, position);
            final List<Long> positions = new ArrayList<>();
            new FrameReader(segment, 0, true).poll(frame -> positions.add(frame.position()), 10);
            assertEquals(2, positions.size());
        }
    }

    @Test
    void shouldRunTheIndexExample()
    {
        final String scrape = """
            # TYPE http_requests_total counter
            http_requests_total{job="api",code="200"} 1027
            http_requests_total{job="api",code="503"} 3
            http_requests_total{job="web",code="500"} 1
            """;
        final List<Labels> printed = new ArrayList<>();
        // --- README: index example ---
        try (ShardedIndex index = ShardedIndex.withShards(8))          // one read/write lock per shard
        {
            PrometheusTextParser.parse(scrape, sample -> index.addSeries(sample.seriesLabels()));   // idempotent

            final long[] errors = index.findSeries(
                Matcher.equal("__name__", "http_requests_total"),
                Matcher.regex("code", "5.."));                         // sorted ids, from every shard
            for (final long id : errors)
            {
                System.out.println(SeriesIds.toString(id) + " " + index.getLabels(id));
                // --- end of example ---
                printed.add(index.getLabels(id));
            }
        }
        assertEquals(2, printed.size());
        assertEquals(List.of("503", "500").stream().sorted().toList(),
            printed.stream().map(l -> l.get("code")).sorted().toList());
    }

    @Test
    void shouldRunTheIngestExample()
    {
        final Path directory = dir.resolve("metrics");
        final String scrape = """
            # TYPE http_requests_total counter
            http_requests_total{job="api",code="200"} 1027
            http_requests_total{job="api",code="503"} 3
            """;
        final long scrapeTime = 1_700_000_000_000L;
        // --- README: ingest example ---
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(directory).syncMode(SyncMode.BATCH_ONLY).build());
            ShardedIndex index = ShardedIndex.withShards(4);
            Ingest ingest = Ingest.open(wal, index, IngestOptions.builder()
                .maxSignalsInBatch(512)                           // one appendBatch per 512 samples...
                .flushFrequency(Duration.ofMillis(10))            // ...or 10 ms after a batch's first sample
                .build()))
        {
            ingest.sendAll(PrometheusTextParser.parse(scrape).samples(), scrapeTime);   // from any thread
            ingest.flush();                                       // written and msynced, or an exception
            wal.createCheckpoint("scrape-1");                     // later, to keep the log short:
            ingest.pruneBefore("scrape-1");                       // deletes older segments, keeps every series defined
        }

        // After a restart: the index and every sample come back from the log.
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(directory).syncMode(SyncMode.BATCH_ONLY).build());
            ShardedIndex index = ShardedIndex.withShards(4))
        {
            IngestReplay.replay(wal, index, (shard, position, seriesId, timeMillis, value) ->
                System.out.println(index.getLabels(seriesId) + " " + value + " @" + timeMillis), 4);
            // --- end of example ---
            assertEquals(2, index.seriesCount());
        }
    }
}
