package io.shardwal.mmap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Layout of a segment file: one 4 KiB header page, then {@code capacity} bytes of 8-byte aligned frames
 * (see {@link FrameDescriptor}). All fields are little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                  Magic "SHWALSEG" (8 bytes)                   |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        Format Version                         |  8
 *  +---------------------------------------------------------------+
 *  |                  Data Offset (header length)                  | 12
 *  +---------------------------------------------------------------+
 *  |                  Base Position (first data byte)              | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Capacity (data bytes)                        | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Owner Id (the shard, for shardwal)           | 32
 *  +---------------------------------------------------------------+
 *  |                  Flags (0)                                    | 36
 *  +---------------------------------------------------------------+
 *  |                  Created (epoch milliseconds)                 | 40
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Reserved (0)                                 | 48
 *  +---------------------------------------------------------------+
 *  |                  CRC32C of bytes [0, 52)                      | 52
 *  +---------------------------------------------------------------+
 *  |                  Rolled Into (the next segment's base, or 0)  | 56
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Tail Counter (claims, may overshoot)         | 64  own cache line
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Reserved (0) to the end of the page          | 72
 *  +---------------------------------------------------------------+
 *  |                  Frames ...                                   | 4096
 * </pre>
 *
 * <p>Bytes [0, 56) are written once, when the file is created, and never change. The rolled-into mark is written
 * once more, when the writer moves on to the next segment, and only once that segment's file is durable (forced,
 * renamed into place, its directory synced): it holds the next segment's base ({@code base + capacity}), so a newest
 * segment that carries it tells that its successor existed and is now missing (a loss, not a shorter log). Any other
 * non-zero value is damage, not a mark. It lies outside the checksum so that setting it is one aligned 8-byte store
 * that no crash leaves half done or at odds with the checksum; readers of earlier builds never read the field (it
 * was reserved and zero), so a marked file is still format version 1. The tail counter is the claim
 * counter of the many-writer appender: it is advanced with {@code getAndAdd} and may run past the capacity (read
 * it as {@code min(tail, capacity)}). It sits alone on the second cache line so that the claims' traffic does not
 * touch the immutable fields, and the frames start on their own page so that msync of data never includes it.
 */
public final class SegmentDescriptor
{
    /** "SHWALSEG" read as a little-endian long. */
    public static final long MAGIC = 0x4745534C41574853L;
    public static final int VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int BASE_POSITION_OFFSET = 16;
    public static final int CAPACITY_OFFSET = 24;
    public static final int OWNER_ID_OFFSET = 32;
    public static final int FLAGS_OFFSET = 36;
    public static final int CREATED_OFFSET = 40;
    public static final int HEADER_CRC_OFFSET = 52;
    /** Bytes [0, CHECKSUMMED_LENGTH) are covered by the header CRC. */
    public static final int CHECKSUMMED_LENGTH = 52;
    /** The rolled-into mark: 0 until the writer moved on to the next segment, then that segment's base. */
    public static final int ROLLED_INTO_OFFSET = 56;
    public static final int TAIL_OFFSET = 64;

    /** Length of the header; frames start here, on a page boundary. */
    public static final int DATA_OFFSET = 4096;

    /** Smallest data capacity a segment may have. */
    public static final long MIN_CAPACITY = 4096;
    /**
     * Largest data capacity: 1 GiB keeps every in-segment offset an int and every frame length within an int,
     * and keeps the page cache footprint of one active segment bounded.
     */
    public static final long MAX_CAPACITY = 1L << 30;

    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Atomic access to the tail counter: getAndAdd by writers, acquire by readers, volatile set by recovery. */
    static final VarHandle TAIL = LONG.varHandle();
    /** Access to the rolled-into mark: a release store by the rolling writer, acquire loads by readers. */
    static final VarHandle ROLLED_INTO = LONG.varHandle();

    private SegmentDescriptor()
    {
    }

    /** Writes a complete header for a new segment into {@code header} (at least {@link #DATA_OFFSET} bytes). */
    static void writeHeader(final ByteBuffer header, final long basePosition, final long capacity, final int ownerId,
        final long createdMillis)
    {
        header.order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(MAGIC_OFFSET, MAGIC)
            .putInt(VERSION_OFFSET, VERSION)
            .putInt(DATA_OFFSET_OFFSET, DATA_OFFSET)
            .putLong(BASE_POSITION_OFFSET, basePosition)
            .putLong(CAPACITY_OFFSET, capacity)
            .putInt(OWNER_ID_OFFSET, ownerId)
            .putInt(FLAGS_OFFSET, 0)
            .putLong(CREATED_OFFSET, createdMillis);
        header.putInt(HEADER_CRC_OFFSET, headerCrc(header));
    }

    private static int headerCrc(final ByteBuffer header)
    {
        final CRC32C crc = new CRC32C();
        crc.update(header.duplicate().position(0).limit(CHECKSUMMED_LENGTH));
        return (int)crc.getValue();
    }

    /** Checks an arguments' base position and capacity for a new segment. */
    public static void checkGeometry(final long basePosition, final long capacity)
    {
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || capacity % FrameDescriptor.ALIGNMENT != 0)
        {
            throw new IllegalArgumentException("segment capacity must be a multiple of " + FrameDescriptor.ALIGNMENT
                + " in [" + MIN_CAPACITY + ", " + MAX_CAPACITY + "], not " + capacity);
        }
        if (basePosition < 0 || basePosition % FrameDescriptor.ALIGNMENT != 0)
        {
            throw new IllegalArgumentException(
                "segment base position must be a non-negative multiple of 8, not " + basePosition);
        }
    }

    /**
     * Validates a header read from {@code file} (whose size is {@code fileSize}) before anything is mapped, so
     * that a truncated or foreign file is an exception, never a fault inside a mapped access.
     *
     * @throws ShardwalException FORMAT for a foreign, truncated or newer file, CORRUPT for a damaged header.
     */
    static void checkHeader(final ByteBuffer header, final Path file, final long fileSize)
    {
        header.order(ByteOrder.LITTLE_ENDIAN);
        if (fileSize < DATA_OFFSET || header.limit() < DATA_OFFSET)
        {
            throw new ShardwalException(ShardwalException.Category.FORMAT, "segment file is " + fileSize
                + " bytes, shorter than its " + DATA_OFFSET + "-byte header (truncated or not a shardwal segment)",
                file, 0);
        }
        final long magic = header.getLong(MAGIC_OFFSET);
        if (magic != MAGIC)
        {
            throw new ShardwalException(ShardwalException.Category.FORMAT, String.format(
                "not a shardwal segment: magic is 0x%016x, expected 0x%016x (\"SHWALSEG\")", magic, MAGIC),
                file, MAGIC_OFFSET);
        }
        final int version = header.getInt(VERSION_OFFSET);
        if (version != VERSION)
        {
            throw new ShardwalException(ShardwalException.Category.FORMAT, "segment format version " + version
                + " is not supported (this shardwal reads version " + VERSION + ")", file, VERSION_OFFSET);
        }
        final int storedCrc = header.getInt(HEADER_CRC_OFFSET);
        final int actualCrc = headerCrc(header);
        if (storedCrc != actualCrc)
        {
            throw new ShardwalException(ShardwalException.Category.CORRUPT, String.format(
                "segment header checksum mismatch: stored 0x%08x, computed 0x%08x", storedCrc, actualCrc),
                file, HEADER_CRC_OFFSET);
        }
        final int dataOffset = header.getInt(DATA_OFFSET_OFFSET);
        final long capacity = header.getLong(CAPACITY_OFFSET);
        final long base = header.getLong(BASE_POSITION_OFFSET);
        if (dataOffset != DATA_OFFSET || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY
            || capacity % FrameDescriptor.ALIGNMENT != 0 || base < 0 || base % FrameDescriptor.ALIGNMENT != 0)
        {
            throw new ShardwalException(ShardwalException.Category.CORRUPT, "segment header has an impossible "
                + "geometry: data offset " + dataOffset + ", capacity " + capacity + ", base position " + base,
                file, DATA_OFFSET_OFFSET);
        }
        if (fileSize != DATA_OFFSET + capacity)
        {
            throw new ShardwalException(ShardwalException.Category.FORMAT, "segment file is " + fileSize
                + " bytes but its header declares " + (DATA_OFFSET + capacity) + " (" + DATA_OFFSET + " header + "
                + capacity + " capacity): truncated or extended by something other than shardwal", file, 0);
        }
        if (header.getInt(FLAGS_OFFSET) != 0)
        {
            throw new ShardwalException(ShardwalException.Category.FORMAT, "segment header flags 0x"
                + Integer.toHexString(header.getInt(FLAGS_OFFSET)) + " are unknown to this version", file,
                FLAGS_OFFSET);
        }
    }

    static long tailVolatile(final MemorySegment mapping)
    {
        return (long)TAIL.getVolatile(mapping, (long)TAIL_OFFSET);
    }
}
