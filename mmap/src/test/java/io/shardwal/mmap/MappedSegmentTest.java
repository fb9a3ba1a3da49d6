package io.shardwal.mmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappedSegmentTest
{
    private static final long CAPACITY = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void shouldCreateAPreallocatedZeroedSegmentWithAValidHeader() throws IOException
    {
        final Path file = dir.resolve("seg.wal");
        try (MappedSegment segment = MappedSegment.create(file, 1 << 20, CAPACITY, 7))
        {
            assertEquals(SegmentDescriptor.DATA_OFFSET + CAPACITY, Files.size(file));
            assertEquals(1 << 20, segment.basePosition());
            assertEquals(CAPACITY, segment.capacity());
            assertEquals((1 << 20) + CAPACITY, segment.endPosition());
            assertEquals(7, segment.ownerId());
            assertEquals(0, segment.tailAcquire());
            for (long offset = 0; offset < CAPACITY; offset += 8)
            {
                assertEquals(0, segment.data().get(ValueLayout.JAVA_LONG, offset));
            }
        }
        assertFalse(Files.exists(dir.resolve("seg.wal" + MappedSegment.CREATING_SUFFIX)));
        try (MappedSegment reopened = MappedSegment.openReadOnly(file))
        {
            assertEquals(1 << 20, reopened.basePosition());
            assertTrue(reopened.isReadOnly());
        }
    }

    /** The preparer's creation differs only in the page cache: same header, zeroed data, the same file on disk. */
    @Test
    void shouldCreateAFilledSegmentWithTheSameContentsAsAPlainOne() throws IOException
    {
        final Path filled = dir.resolve("filled.wal");
        final Path plain = dir.resolve("plain.wal");
        try (MappedSegment segment = MappedSegment.createFilled(filled, 1 << 20, CAPACITY, 7))
        {
            assertEquals(1 << 20, segment.basePosition());
            assertEquals(CAPACITY, segment.capacity());
            assertEquals(7, segment.ownerId());
            assertEquals(0, segment.tailAcquire());
            assertEquals(-1, segment.data().mismatch(MemorySegment.ofArray(new byte[(int)CAPACITY])));
        }
        MappedSegment.create(plain, 1 << 20, CAPACITY, 7).close();
        final byte[] filledBytes = Files.readAllBytes(filled);
        final byte[] plainBytes = Files.readAllBytes(plain);
        assertEquals(plainBytes.length, filledBytes.length);
        assertArrayEquals(Arrays.copyOfRange(plainBytes, SegmentDescriptor.DATA_OFFSET, plainBytes.length),
            Arrays.copyOfRange(filledBytes, SegmentDescriptor.DATA_OFFSET, filledBytes.length));
        assertArrayEquals(MappedSegment.readGeometry(plain), MappedSegment.readGeometry(filled));
        assertFalse(Files.exists(dir.resolve("filled.wal" + MappedSegment.CREATING_SUFFIX)));
        assertThrows(IOException.class, () -> MappedSegment.createFilled(filled, 0, CAPACITY, 0));
    }

    /** A delete or rename is done by the time its directory is synced: an interrupt must not fail the sync. */
    @Test
    void shouldSyncADirectoryOnAnInterruptedThreadAndKeepItsInterrupt() throws IOException
    {
        Thread.currentThread().interrupt();
        try
        {
            MappedSegment.syncDirectory(dir);
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept");
        }
        finally
        {
            Thread.interrupted();
        }
    }

    @Test
    void shouldRefuseToCreateOverAnExistingFile() throws IOException
    {
        final Path file = dir.resolve("seg.wal");
        Files.write(file, new byte[] {1, 2, 3});
        final IOException e = assertThrows(IOException.class, () -> MappedSegment.create(file, 0, CAPACITY, 0));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
    }

    @Test
    void shouldRejectImpossibleGeometry()
    {
        assertThrows(IllegalArgumentException.class, () -> MappedSegment.create(dir.resolve("a"), 0, 100, 0));
        assertThrows(IllegalArgumentException.class, () -> MappedSegment.create(dir.resolve("b"), 0, 1000, 0));
        assertThrows(IllegalArgumentException.class,
            () -> MappedSegment.create(dir.resolve("c"), 0, SegmentDescriptor.MAX_CAPACITY * 2, 0));
        assertThrows(IllegalArgumentException.class, () -> MappedSegment.create(dir.resolve("d"), -8, CAPACITY, 0));
        assertThrows(IllegalArgumentException.class, () -> MappedSegment.create(dir.resolve("e"), 12, CAPACITY, 0));
    }

    @Test
    void shouldRejectATruncatedFileBeforeMappingIt() throws IOException
    {
        final Path file = createSegment();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(SegmentDescriptor.DATA_OFFSET + CAPACITY / 2);
        }
        final ShardwalException e = assertThrows(ShardwalException.class, () -> MappedSegment.openReadOnly(file));
        assertEquals(ShardwalException.Category.FORMAT, e.category());
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void shouldRejectAFileShorterThanItsHeader() throws IOException
    {
        final Path file = dir.resolve("short.wal");
        Files.write(file, new byte[100]);
        final ShardwalException e = assertThrows(ShardwalException.class, () -> MappedSegment.openReadWrite(file));
        assertEquals(ShardwalException.Category.FORMAT, e.category());
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().contains("100 bytes"), e.getMessage());
    }

    @Test
    void shouldRejectAForeignFile() throws IOException
    {
        final Path file = dir.resolve("foreign.wal");
        final byte[] bytes = new byte[SegmentDescriptor.DATA_OFFSET + (int)CAPACITY];
        bytes[0] = 'P';
        bytes[1] = 'K';
        Files.write(file, bytes);
        final ShardwalException e = assertThrows(ShardwalException.class, () -> MappedSegment.openReadOnly(file));
        assertEquals(ShardwalException.Category.FORMAT, e.category());
        assertEquals(SegmentDescriptor.MAGIC_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("not a shardwal segment"), e.getMessage());
    }

    @Test
    void shouldRejectAnUnknownVersion() throws IOException
    {
        final Path file = createSegment();
        patchHeaderInt(file, SegmentDescriptor.VERSION_OFFSET, 99, true);
        final ShardwalException e = assertThrows(ShardwalException.class, () -> MappedSegment.openReadOnly(file));
        assertEquals(ShardwalException.Category.FORMAT, e.category());
        assertEquals(SegmentDescriptor.VERSION_OFFSET, e.offset());
        assertTrue(e.getMessage().contains("version 99"), e.getMessage());
    }

    @Test
    void shouldDetectADamagedHeader() throws IOException
    {
        final Path file = createSegment();
        patchHeaderInt(file, SegmentDescriptor.OWNER_ID_OFFSET, 12345, false);
        final ShardwalException e = assertThrows(ShardwalException.class, () -> MappedSegment.openReadWrite(file));
        assertEquals(ShardwalException.Category.CORRUPT, e.category());
        assertEquals(SegmentDescriptor.HEADER_CRC_OFFSET, e.offset());
    }

    @Test
    void shouldFailClearlyWhenUsedAfterClose() throws IOException
    {
        final MappedSegment segment = MappedSegment.openReadWrite(createSegment());
        final SegmentAppender appender = new SegmentAppender(segment);
        final FrameReader reader = new FrameReader(segment, 0, true);
        segment.close();
        segment.close();
        assertTrue(segment.isClosed());
        final ShardwalException append = assertThrows(ShardwalException.class,
            () -> appender.append(new byte[1], new byte[1]));
        assertEquals(ShardwalException.Category.CLOSED, append.category());
        assertEquals(segment.file(), append.file());
        final ShardwalException poll = assertThrows(ShardwalException.class, () -> reader.poll(frame -> { }, 10));
        assertEquals(ShardwalException.Category.CLOSED, poll.category());
        assertThrows(ShardwalException.class, () -> segment.msync(0, 8));
    }

    @Test
    void shouldNameTheFileWhenItIsTruncatedUnderAReader() throws IOException
    {
        final Path file = createSegment();
        try (MappedSegment writer = MappedSegment.openReadWrite(file))
        {
            final SegmentAppender appender = new SegmentAppender(writer);
            while (appender.append(new byte[8], new byte[200]) >= 0)
            {
                // fill the segment
            }
        }
        try (MappedSegment segment = MappedSegment.openReadOnly(file))
        {
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
            {
                raf.setLength(SegmentDescriptor.DATA_OFFSET + 4096);
            }
            final ShardwalException e = assertThrows(ShardwalException.class, () -> Collected.readAll(segment));
            assertEquals(ShardwalException.Category.FORMAT, e.category());
            assertEquals(file, e.file());
            assertTrue(e.getMessage().contains("truncated while mapped"), e.getMessage());
            final ShardwalException walk = assertThrows(ShardwalException.class,
                () -> SegmentScanner.committedFrontier(segment, 0));
            assertEquals(ShardwalException.Category.FORMAT, walk.category());
        }
    }

    @Test
    void shouldMsyncAndPretouchRanges() throws IOException
    {
        try (MappedSegment segment = MappedSegment.openReadWrite(createSegment()))
        {
            final long position = new SegmentAppender(segment).append(new byte[] {1}, new byte[100]);
            segment.msync(0, 128);
            segment.msync(0, CAPACITY);
            segment.msyncHeader();
            segment.pretouch(0, CAPACITY);
            assertEquals(0, position);
            assertEquals(120, segment.tailAcquire());
            assertThrows(IndexOutOfBoundsException.class, () -> segment.msync(CAPACITY - 8, 16));
            assertThrows(IndexOutOfBoundsException.class, () -> segment.pretouch(-1, 8));
        }
    }

    /**
     * Released pages leave this process's page tables, only the pages wholly inside the range, and keep their
     * bytes: reading them back, writing after them and msyncing them all work as before.
     */
    @Test
    void shouldUnmapOnlyWholePagesOfAReleasedRangeAndKeepTheirBytes() throws IOException
    {
        assumeTrue(Natives.AVAILABLE, "natives unavailable: releasePages does nothing");
        final Path file = createSegment();
        try (MappedSegment segment = MappedSegment.openReadWrite(file))
        {
            final SegmentAppender appender = new SegmentAppender(segment);
            final byte[] value = new byte[1000];
            for (int i = 0; i < 40; i++)
            {
                Arrays.fill(value, (byte)i);
                appender.append(new byte[] {(byte)i}, value);
            }
            segment.pretouch(0, CAPACITY);
            final byte[] before = segment.data().toArray(ValueLayout.JAVA_BYTE);
            final long mapped = ProcessMappings.residentKib(file);
            assumeTrue(mapped > 0, "/proc/self/smaps does not show the mapping");

            // Data bytes [100, 40100) are file bytes [4196, 44196): whole pages from 8192 to 40960, 8 of them.
            segment.releasePages(100, 40_000);
            assertEquals(mapped - 8 * 4, ProcessMappings.residentKib(file));
            assertArrayEquals(before, segment.data().toArray(ValueLayout.JAVA_BYTE));
            segment.msync(0, CAPACITY);

            final long position = appender.append(new byte[] {99}, new byte[] {1, 2, 3});
            final List<Collected.Frame> frames = Collected.readAll(segment);
            assertEquals(41, frames.size());
            assertEquals(position, frames.get(40).position());
            segment.releasePages(0, 0);
            segment.releasePages(CAPACITY - 1, 1);
            assertThrows(IndexOutOfBoundsException.class, () -> segment.releasePages(-1, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> segment.releasePages(CAPACITY - 8, 16));
        }
        try (MappedSegment readOnly = MappedSegment.openReadOnly(file))
        {
            readOnly.releasePages(0, CAPACITY);
            assertEquals(41, Collected.readAll(readOnly).size());
        }
        final MappedSegment closed = MappedSegment.openReadWrite(file);
        closed.close();
        final ShardwalException e = assertThrows(ShardwalException.class, () -> closed.releasePages(0, CAPACITY));
        assertEquals(ShardwalException.Category.CLOSED, e.category());
    }

    /**
     * The rolled-into mark is the next segment's base at offset 56, little-endian, outside the header checksum: the
     * marked file still validates (as format version 1), the mark survives close and reopen, and a new segment has
     * none.
     */
    @Test
    void shouldKeepTheRolledIntoMarkOutsideTheChecksumAcrossReopens() throws IOException
    {
        final Path file = dir.resolve("rolled.wal");
        try (MappedSegment segment = MappedSegment.create(file, 3 * CAPACITY, CAPACITY, 2))
        {
            assertEquals(0, segment.rolledIntoAcquire());
            segment.markRolled();
            segment.markRolled();
            assertEquals(4 * CAPACITY, segment.rolledIntoAcquire());
            segment.msyncHeader();
        }
        final ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(4 * CAPACITY, header.getLong(SegmentDescriptor.ROLLED_INTO_OFFSET));
        assertEquals(SegmentDescriptor.VERSION, header.getInt(SegmentDescriptor.VERSION_OFFSET));
        assertEquals(4 * CAPACITY, MappedSegment.readRolledInto(file));
        assertArrayEquals(new long[] {3 * CAPACITY, CAPACITY}, MappedSegment.readGeometry(file));
        try (MappedSegment reopened = MappedSegment.openReadOnly(file))
        {
            assertEquals(4 * CAPACITY, reopened.rolledIntoAcquire());
            assertThrows(IllegalStateException.class, reopened::markRolled);
        }
        assertEquals(0, MappedSegment.readRolledInto(createSegment()));
    }

    @Test
    void shouldNotAllowWritesThroughAReadOnlySegment() throws IOException
    {
        try (MappedSegment segment = MappedSegment.openReadOnly(createSegment()))
        {
            assertThrows(IllegalArgumentException.class, () -> new SegmentAppender(segment));
            assertThrows(IllegalStateException.class, () -> segment.msync(0, 8));
        }
    }

    private Path createSegment() throws IOException
    {
        final Path file = dir.resolve("seg-" + System.nanoTime() + ".wal");
        MappedSegment.create(file, 0, CAPACITY, 0).close();
        return file;
    }

    /** Overwrites one header int; optionally fixes the header checksum so only the field itself is wrong. */
    static void patchHeaderInt(final Path file, final int offset, final int value, final boolean fixChecksum)
        throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final ByteBuffer header = ByteBuffer.allocate(SegmentDescriptor.DATA_OFFSET).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(header, 0);
            header.putInt(offset, value);
            if (fixChecksum)
            {
                final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                crc.update(header.duplicate().position(0).limit(SegmentDescriptor.CHECKSUMMED_LENGTH));
                header.putInt(SegmentDescriptor.HEADER_CRC_OFFSET, (int)crc.getValue());
            }
            header.clear();
            channel.write(header, 0);
        }
    }
}
