package io.shardwal.checkpoint;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A consistent cut across all shards: for each shard, the position below which every append that returned before
 * the checkpoint was created lies. Immutable (the arrays are copied in and out).
 *
 * @param logOffset where the entry starts in {@code checkpoints.log} (changes when the log is compacted).
 */
public record Checkpoint(byte[] id, long timestampNanos, long[] positions, long logOffset)
{
    public Checkpoint
    {
        id = id.clone();
        positions = positions.clone();
    }

    @Override
    public byte[] id()
    {
        return id.clone();
    }

    @Override
    public long[] positions()
    {
        return positions.clone();
    }

    public long position(final int shard)
    {
        return positions[shard];
    }

    public int shardCount()
    {
        return positions.length;
    }

    /** The id as text: UTF-8 if it is printable UTF-8, else {@code 0x} and hex digits. */
    public String idText()
    {
        return idText(id);
    }

    /** How a checkpoint id is shown in messages and tools. */
    public static String idText(final byte[] id)
    {
        final String text = new String(id, StandardCharsets.UTF_8);
        final boolean printable = Arrays.equals(text.getBytes(StandardCharsets.UTF_8), id)
            && text.codePoints().allMatch(c -> c >= 0x20 && c != 0x7F);
        return printable ? text : "0x" + HexFormat.of().formatHex(id);
    }

    boolean hasId(final byte[] other)
    {
        return Arrays.equals(id, other);
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof Checkpoint that && Arrays.equals(id, that.id) && timestampNanos == that.timestampNanos
            && Arrays.equals(positions, that.positions);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(id) * 31 + Arrays.hashCode(positions);
    }

    @Override
    public String toString()
    {
        return "Checkpoint{id=" + idText() + ", timestampNanos=" + timestampNanos + ", positions="
            + Arrays.toString(positions) + '}';
    }
}
