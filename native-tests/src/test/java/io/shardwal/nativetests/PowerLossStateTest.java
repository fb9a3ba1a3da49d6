package io.shardwal.nativetests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.shardwal.mmap.SegmentDescriptor;
import io.shardwal.wal.ShardedWal;
import io.shardwal.wal.SyncMode;
import io.shardwal.wal.WalOptions;

/**
 * What a power loss can leave on disk: STRICT appends msync their data pages, but the page holding a segment's
 * tail counter (the header page) is written back by the kernel whenever it likes — up to ~30 s later by default.
 * A power loss in that window, even after a clean close, leaves a segment whose data is on disk while its header
 * still says "nothing claimed". The test cannot cut the power, so it writes exactly that state itself: a cleanly
 * closed log whose newest data segment's tail counter reads 0 — with the LOCK as the clean close left it, or empty
 * (its rewrite torn by the same crash). Every acknowledged STRICT record must survive that, and the appends after
 * it too.
 */
class PowerLossStateTest
{
    private static final long SEGMENT = 64 * 1024;

    private final long seed = Seeds.seed();
    private final RecordScheme scheme = new RecordScheme(seed);
    private final AckLog acks = new AckLog();
    private Path work;
    private Path dir;
    private long nextSeq;

    @BeforeEach
    void scratch()
    {
        work = Directories.scratch("power-loss-state");
        dir = work.resolve("wal");
    }

    @AfterEach
    void cleanUp()
    {
        Directories.delete(work);
    }

    @ParameterizedTest(name = "LOCK {0}")
    @ValueSource(strings = {"as the clean close left it", "empty"})
    void shouldKeepEveryAcknowledgedStrictRecordWhenASegmentHeaderMissedTheDisk(final String lock) throws IOException
    {
        try (ShardedWal wal = ShardedWal.open(options()))
        {
            append(wal, 1500);
        }
        final Path stale = newestSegmentWithData(dir.resolve("shard_00"));
        writeTail(stale, 0);
        if (lock.equals("empty"))
        {
            Files.write(dir.resolve("LOCK"), new byte[0]);
        }
        try (ShardedWal wal = ShardedWal.open(options()))
        {
            append(wal, 300);
        }
        try (ShardedWal wal = ShardedWal.open(options()))
        {
            final List<String> problems = Readback.exactly(wal, scheme, acks);
            assertTrue(problems.isEmpty(), "seed " + seed + ", after the tail counter of " + stale.getFileName()
                + " read 0 on reopen:\n  " + String.join("\n  ", problems));
        }
    }

    private WalOptions options()
    {
        return WalOptions.builder(dir).shardCount(1).segmentSize(SEGMENT).syncMode(SyncMode.STRICT).build();
    }

    private void append(final ShardedWal wal, final int records)
    {
        for (int i = 0; i < records; i++, nextSeq++)
        {
            acks.record(0, nextSeq, wal.append(scheme.key(0, nextSeq), scheme.value(0, nextSeq)));
        }
    }

    private static Path newestSegmentWithData(final Path shard) throws IOException
    {
        Path newest = null;
        try (Stream<Path> files = Files.list(shard))
        {
            for (final Path file : files.filter(f -> f.toString().endsWith(".wal")).sorted().toList())
            {
                newest = readTail(file) > 0 ? file : newest;
            }
        }
        if (newest == null || newest.getFileName().toString().equals(String.format("%020d.wal", 0)))
        {
            throw new IllegalStateException("the log is too short for this test: " + newest);
        }
        return newest;
    }

    private static long readTail(final Path segment) throws IOException
    {
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ))
        {
            final ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(tail, SegmentDescriptor.TAIL_OFFSET);
            return tail.getLong(0);
        }
    }

    private static void writeTail(final Path segment, final long tail) throws IOException
    {
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, tail),
                SegmentDescriptor.TAIL_OFFSET);
        }
    }
}
