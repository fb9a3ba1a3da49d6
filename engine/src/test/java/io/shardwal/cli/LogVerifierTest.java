package io.shardwal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.shardwal.mmap.MappedSegment;
import io.shardwal.mmap.SegmentDescriptor;
import io.shardwal.wal.PruneResult;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier maps one segment file at a time per thread: a log of thousands of segments must not run out of
 * mappings (vm.max_map_count) or address space, whatever the check finds and however it ends; and on any number of
 * threads it finds the same, in the same order.
 */
class LogVerifierTest
{
    private static final int SHARDS = 2;
    private static final int RECORDS = 4_000;
    private static final byte[] VALUE = new byte[100];

    @TempDir
    Path dir;

    private Path log;

    /** About 500 KiB of frames in 4 KiB segments: some sixty segment files per shard. */
    @BeforeEach
    void writeLogOfManySmallSegments()
    {
        log = dir.resolve("log");
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(log).shardCount(SHARDS)
            .segmentSize(SegmentDescriptor.MIN_CAPACITY).syncMode(SyncMode.ASYNC).build()))
        {
            for (int i = 0; i < RECORDS; i++)
            {
                wal.append(("key-" + i).getBytes(StandardCharsets.UTF_8), VALUE);
            }
        }
    }

    @Test
    void shouldCheckEverySegmentWithOneMappingOpenAtATime() throws IOException
    {
        final LogVerifier verifier = new LogVerifier(log, false, new CountingProgress(Integer.MAX_VALUE), 1);

        final LogVerifier.Summary summary = verifier.run();

        assertEquals(List.of(), verifier.findings());
        assertEquals(RECORDS, summary.records(), "every record was walked");
        assertEquals(segmentFiles(), summary.segments(), "every segment file was checked");
        assertTrue(summary.segments() > 100, "the log has many segments: " + summary.segments());
        assertEquals(1, verifier.maxOpenMappings(), "never more than one segment mapped at once");
        assertEquals(0, verifier.openMappings(), "every mapping was closed");
    }

    /**
     * A newest segment whose tail counter and first frame were zeroed must not pass for a fresh one: verify lists
     * the loss where recovery reports it, in the segment the writer rolled into.
     */
    @Test
    void shouldListAZeroedFirstFrameOfTheNewestSegmentWhoseTailCounterIsGone() throws IOException
    {
        Path newest = null;
        long base = -1;
        try (Stream<Path> files = Files.list(log.resolve("shard_00")))
        {
            for (final Path file : files.filter(f -> f.toString().endsWith(".wal")).sorted().toList())
            {
                try (MappedSegment segment = MappedSegment.openReadOnly(file))
                {
                    if (segment.tailAcquire() > 0)
                    {
                        newest = file;
                        base = segment.basePosition();
                    }
                }
            }
        }
        assertTrue(base > 0, "the writer rolled into the newest segment");
        try (FileChannel channel = FileChannel.open(newest, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.allocate(8), SegmentDescriptor.TAIL_OFFSET); // the tail counter, 0
            channel.write(ByteBuffer.allocate(16), SegmentDescriptor.DATA_OFFSET); // the first frame's header
        }
        final LogVerifier verifier = new LogVerifier(log, false, new CountingProgress(Integer.MAX_VALUE), 1);
        verifier.run();
        final long lost = base;
        assertTrue(verifier.findings().stream().anyMatch(f -> f.shard() == 0 && f.position() == lost),
            verifier.findings().toString());
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(log).shardCount(SHARDS)
            .segmentSize(SegmentDescriptor.MIN_CAPACITY).syncMode(SyncMode.ASYNC).build()))
        {
            assertEquals(lost, wal.recoveryReport().repairs().getFirst().position(), wal.recoveryReport().summary());
        }
    }

    @Test
    void shouldCloseTheMappingsOfSegmentsWithBadHeaders() throws IOException
    {
        // Shard 0's first segment under shard 1's name: a valid header that names the wrong shard, so the file
        // is mapped before it is found unusable.
        Files.copy(segment(0, 0), segment(1, 0), StandardCopyOption.REPLACE_EXISTING);
        // A damaged header checksum: refused before anything is mapped.
        LogFiles.flipBit(segment(0, SegmentDescriptor.MIN_CAPACITY), SegmentDescriptor.CREATED_OFFSET, 0);
        final LogVerifier verifier = new LogVerifier(log, false, new CountingProgress(Integer.MAX_VALUE), 1);

        verifier.run();

        assertEquals(2, verifier.findings().stream().filter(finding -> finding.kind().equals("BAD_HEADER")).count(),
            verifier.findings().toString());
        assertEquals(1, verifier.maxOpenMappings());
        assertEquals(0, verifier.openMappings(), "the mapping of the misnamed segment was closed");
    }

    @Test
    void shouldCloseEveryMappingWhenTheCheckFailsHalfway()
    {
        final LogVerifier verifier = new LogVerifier(log, false, new CountingProgress(50), 1);

        assertThrows(IllegalStateException.class, verifier::run);

        assertEquals(1, verifier.maxOpenMappings());
        assertEquals(0, verifier.openMappings(), "the segment being scanned when the check failed was closed");
    }

    @Test
    void shouldFindTheSameInTheSameOrderOnOneThreadPerShard() throws IOException
    {
        Files.copy(segment(0, 0), segment(1, 0), StandardCopyOption.REPLACE_EXISTING);
        LogFiles.flipBit(segment(0, SegmentDescriptor.MIN_CAPACITY), SegmentDescriptor.CREATED_OFFSET, 0);
        LogFiles.flipBit(segment(1, 4 * SegmentDescriptor.MIN_CAPACITY), SegmentDescriptor.DATA_OFFSET + 40, 2);
        LogFiles.flipBit(segment(0, 7 * SegmentDescriptor.MIN_CAPACITY), SegmentDescriptor.DATA_OFFSET + 40, 2);
        final LogVerifier one = new LogVerifier(log, false, new CountingProgress(Integer.MAX_VALUE), 1);
        final LogVerifier many = new LogVerifier(log, false, new CountingProgress(Integer.MAX_VALUE), SHARDS);

        final LogVerifier.Summary onOne = one.run();
        final LogVerifier.Summary onMany = many.run();

        assertTrue(one.findings().size() >= 4, one.findings().toString());
        assertEquals(one.findings(), many.findings());
        assertEquals(onOne, onMany);
        assertTrue(many.maxOpenMappings() <= SHARDS, "at most one mapping per thread: " + many.maxOpenMappings());
        assertEquals(0, many.openMappings());
    }

    @Test
    void shouldCloseEveryMappingOfEveryThreadWhenTheCheckFailsHalfway()
    {
        final LogVerifier verifier = new LogVerifier(log, false, new CountingProgress(50), SHARDS);

        final IllegalStateException e = assertThrows(IllegalStateException.class, verifier::run);

        assertTrue(e.getMessage().contains("after 50 segments"), e.getMessage());
        assertTrue(verifier.maxOpenMappings() <= SHARDS);
        assertEquals(0, verifier.openMappings(), "every thread closed the segment it was scanning");
    }

    /**
     * A segment is mapped only when its turn comes, so a live writer may prune it after the shard was listed:
     * what pruning took lay below a checkpoint and is not damage, nor a reason to give up the check.
     */
    @Test
    void shouldSkipSegmentsThatALiveWriterPrunesDuringTheCheck() throws IOException
    {
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(log).shardCount(SHARDS)
            .segmentSize(SegmentDescriptor.MIN_CAPACITY).syncMode(SyncMode.ASYNC).build()))
        {
            wal.createCheckpoint("before-verify");
            for (int i = 0; i < 100; i++)
            {
                wal.append(("young-" + i).getBytes(StandardCharsets.UTF_8), VALUE);
            }
            final List<PruneResult> pruned = new ArrayList<>();
            final LogVerifier verifier = new LogVerifier(log, true, new LogVerifier.Progress()
            {
                @Override
                public void total(final long bytes)
                {
                }

                /** Prunes once the first segment has been walked: the shard's later ones are not mapped yet. */
                @Override
                public void scanned(final long bytes)
                {
                    if (pruned.isEmpty())
                    {
                        pruned.add(wal.pruneBefore("before-verify".getBytes(StandardCharsets.UTF_8)));
                    }
                }
            }, 1);

            final LogVerifier.Summary summary = verifier.run();

            assertTrue(pruned.getFirst().segments() > 10, "segments were pruned during the check: " + pruned);
            assertEquals(List.of(), verifier.findings().stream().filter(finding -> !finding.inFlight()).toList());
            assertTrue(summary.records() < RECORDS, "pruned records were not counted: " + summary.records());
            assertEquals(0, verifier.openMappings());
        }
    }

    private Path segment(final int shard, final long base)
    {
        return log.resolve(LogDirectory.segmentPath(shard, base));
    }

    private int segmentFiles() throws IOException
    {
        int count = 0;
        for (int shard = 0; shard < SHARDS; shard++)
        {
            try (Stream<Path> files = Files.list(LogDirectory.shardDirectory(log, shard)))
            {
                count += (int)files.filter(file -> LogDirectory.parseBase(file.getFileName().toString()) >= 0)
                    .count();
            }
        }
        return count;
    }

    /** Counts scanned segments; the one after {@code failAfter} fails the check in the middle of a shard. */
    private static final class CountingProgress implements LogVerifier.Progress
    {
        private final int failAfter;
        private final AtomicInteger scanned = new AtomicInteger();

        CountingProgress(final int failAfter)
        {
            this.failAfter = failAfter;
        }

        @Override
        public void total(final long bytes)
        {
        }

        @Override
        public void scanned(final long bytes)
        {
            if (scanned.incrementAndGet() > failAfter)
            {
                throw new IllegalStateException("failing the check after " + failAfter + " segments");
            }
        }
    }
}
