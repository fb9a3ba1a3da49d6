package io.shardwal.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * Layout of one entry of {@code checkpoints.log}, kept byte for byte from shardwal's original design so tools
 * written against it keep working. All integers little-endian; the checksum is CRC-32 (IEEE) of the payload only.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                      Magic "CKPT"                             |  0
 *  +---------------------------------------------------------------+
 *  |                      CRC-32 of the payload                    |  4
 *  +---------------------------------------------------------------+
 *  |                      Payload length (u32)                     |  8
 *  +---------------+-------------------------------+---------------+
 *  |  Version (1)  |        Id length (u16)        |  Id ...       | 12
 *  +---------------+-------------------------------+---------------+
 *  |  ... Id (1..65535 bytes)                                      |
 *  +---------------------------------------------------------------+
 *  |                      Timestamp (u64, epoch nanoseconds)       |
 *  |                                                               |
 *  +-------------------------------+-------------------------------+
 *  |     Shard count (u16)         |  Position of shard 0 (u64) ...
 *  +-------------------------------+-------------------------------+
 * </pre>
 *
 * A payload is {@code 1 + 2 + idLength + 8 + 2 + 8 * shardCount} bytes; an entry is 12 bytes longer. Entries
 * follow each other without padding.
 */
public final class CheckpointDescriptor
{
    /** "CKPT" read as a little-endian int. */
    public static final int MAGIC = 0x54504B43;
    public static final byte VERSION = 1;
    public static final int HEADER_LENGTH = 12;
    public static final int MAGIC_OFFSET = 0;
    public static final int CRC_OFFSET = 4;
    public static final int PAYLOAD_LENGTH_OFFSET = 8;
    public static final int MAX_ID_LENGTH = 0xFFFF;
    public static final int MAX_SHARDS = 0xFFFF;

    private CheckpointDescriptor()
    {
    }

    public static int payloadLength(final int idLength, final int shardCount)
    {
        return 1 + 2 + idLength + 8 + 2 + 8 * shardCount;
    }

    /** Checks an id for a new checkpoint: 1..65535 bytes. */
    public static void checkId(final byte[] id)
    {
        if (id == null || id.length == 0 || id.length > MAX_ID_LENGTH)
        {
            throw new IllegalArgumentException("a checkpoint id is 1 to " + MAX_ID_LENGTH + " bytes, not "
                + (id == null ? "null" : id.length + " bytes"));
        }
    }

    /** The whole entry for these fields. */
    public static ByteBuffer encode(final byte[] id, final long timestampNanos, final long[] positions)
    {
        checkId(id);
        if (positions.length == 0 || positions.length > MAX_SHARDS)
        {
            throw new IllegalArgumentException("a checkpoint covers 1 to " + MAX_SHARDS + " shards, not "
                + positions.length);
        }
        final int payloadLength = payloadLength(id.length, positions.length);
        final ByteBuffer entry = ByteBuffer.allocate(HEADER_LENGTH + payloadLength).order(ByteOrder.LITTLE_ENDIAN);
        entry.position(HEADER_LENGTH);
        entry.put(VERSION).putShort((short)id.length).put(id).putLong(timestampNanos)
            .putShort((short)positions.length);
        for (final long position : positions)
        {
            entry.putLong(position);
        }
        entry.putInt(MAGIC_OFFSET, MAGIC)
            .putInt(CRC_OFFSET, crc(entry.array(), HEADER_LENGTH, payloadLength))
            .putInt(PAYLOAD_LENGTH_OFFSET, payloadLength);
        return entry.flip();
    }

    /**
     * Decodes the entry at the start of {@code bytes[offset, limit)}.
     *
     * @return the checkpoint, or null with {@code problem[0]} set to why the bytes are not a valid entry.
     */
    static Checkpoint decode(final byte[] bytes, final int offset, final int limit, final long fileOffset,
        final String[] problem)
    {
        final ByteBuffer in = ByteBuffer.wrap(bytes, offset, limit - offset).slice().order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < HEADER_LENGTH)
        {
            problem[0] = "only " + in.remaining() + " bytes where an entry header needs " + HEADER_LENGTH;
            return null;
        }
        if (in.getInt(MAGIC_OFFSET) != MAGIC)
        {
            problem[0] = String.format("magic is 0x%08x, not \"CKPT\"", in.getInt(MAGIC_OFFSET));
            return null;
        }
        final long payloadLength = Integer.toUnsignedLong(in.getInt(PAYLOAD_LENGTH_OFFSET));
        if (payloadLength > in.remaining() - HEADER_LENGTH)
        {
            problem[0] = "payload of " + payloadLength + " bytes runs past the end of the file ("
                + (in.remaining() - HEADER_LENGTH) + " bytes remain)";
            return null;
        }
        final int stored = in.getInt(CRC_OFFSET);
        final int actual = crc(bytes, offset + HEADER_LENGTH, (int)payloadLength);
        if (stored != actual)
        {
            problem[0] = String.format("CRC-32 mismatch: stored 0x%08x, computed 0x%08x", stored, actual);
            return null;
        }
        in.position(HEADER_LENGTH).limit(HEADER_LENGTH + (int)payloadLength);
        if (in.remaining() < 3 || in.get() != VERSION)
        {
            problem[0] = "payload version " + (in.limit() > HEADER_LENGTH ? in.get(HEADER_LENGTH) : "missing")
                + " is not " + VERSION;
            return null;
        }
        final int idLength = Short.toUnsignedInt(in.getShort());
        if (idLength == 0 || in.remaining() < idLength + 10)
        {
            problem[0] = "id length " + idLength + " does not fit the payload";
            return null;
        }
        final byte[] id = new byte[idLength];
        in.get(id);
        final long timestamp = in.getLong();
        final int shardCount = Short.toUnsignedInt(in.getShort());
        if (shardCount == 0 || in.remaining() != 8L * shardCount)
        {
            problem[0] = "shard count " + shardCount + " does not match the " + in.remaining()
                + " bytes of positions";
            return null;
        }
        final long[] positions = new long[shardCount];
        for (int i = 0; i < shardCount; i++)
        {
            positions[i] = in.getLong();
        }
        return new Checkpoint(id, timestamp, positions, fileOffset);
    }

    /** Length of the entry at {@code offset} as its header declares it (valid only if the entry decoded). */
    static int entryLength(final byte[] bytes, final int offset)
    {
        return HEADER_LENGTH + ByteBuffer.wrap(bytes, offset + PAYLOAD_LENGTH_OFFSET, 4)
            .order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    static int crc(final byte[] bytes, final int offset, final int length)
    {
        final CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return (int)crc.getValue();
    }
}
