package io.shardwal.wal;

import java.nio.file.Path;

import io.shardwal.mmap.ShardwalException;

/**
 * A record's shard and position packed into one {@code long}, so that appends return both without allocating:
 * the shard in the top 16 bits (sign bit clear), the position in the low 48 bits.
 *
 * <pre>
 *   63 62        48 47                                                 0
 *  +--+------------+---------------------------------------------------+
 *  |0 | shard (15) |            position in the shard (48)             |
 *  +--+------------+---------------------------------------------------+
 * </pre>
 *
 * 48 bits of position are 256 TiB per shard; {@link WalOptions} limits shard counts to fit 15 bits, and appends
 * past 2^48 bytes in one shard are refused.
 */
public final class RecordAddress
{
    public static final int MAX_SHARDS = 1 << 15;
    public static final long MAX_POSITION = (1L << 48) - 1;
    private static final int SHARD_SHIFT = 48;

    private RecordAddress()
    {
    }

    /** Throws FAILED if shard {@code shard}'s segment at {@code base} would end past {@link #MAX_POSITION}. */
    static void checkSegmentFits(final int shard, final long base, final long segmentSize, final Path directory)
    {
        if (base + segmentSize > MAX_POSITION)
        {
            throw new ShardwalException(ShardwalException.Category.FAILED, "shard " + shard + " reached the largest "
                + "position a record address can carry (" + MAX_POSITION + ")", directory, base);
        }
    }

    public static long of(final int shard, final long position)
    {
        if (shard < 0 || shard >= MAX_SHARDS || position < 0 || position > MAX_POSITION)
        {
            throw new IllegalArgumentException("shard " + shard + " / position " + position
                + " cannot be packed into a record address");
        }
        return ((long)shard << SHARD_SHIFT) | position;
    }

    /** @throws IllegalArgumentException if {@code address} is negative: no append returns such an address. */
    public static int shard(final long address)
    {
        return (int)(check(address) >>> SHARD_SHIFT);
    }

    /** @throws IllegalArgumentException if {@code address} is negative: no append returns such an address. */
    public static long position(final long address)
    {
        return check(address) & MAX_POSITION;
    }

    public static String toString(final long address)
    {
        return address < 0 ? "not a record address (" + address + ")"
            : "shard " + shard(address) + " position " + position(address);
    }

    private static long check(final long address)
    {
        if (address < 0)
        {
            throw new IllegalArgumentException(address + " is not a record address: its sign bit is set (an address "
                + "packs a shard below " + MAX_SHARDS + " and a position of at most " + MAX_POSITION + ")");
        }
        return address;
    }
}
