package io.shardwal.bench;

import java.util.SplittableRandom;

/**
 * What every subject of a layer writes and how much of it one measurement covers: the same bytes for the same
 * size, so that no subject gets an easier payload, and the same number of records per measured shot.
 */
public final class Workload
{
    /**
     * Records each writer thread appends in one measured shot (the {@code batchSize} of single-shot iterations).
     * Large enough that a shot lasts milliseconds even at memory speed, small enough that a fresh file per shot
     * (200 MB for 1 KiB records) stays far below the kernel's dirty-page limits.
     */
    public static final int RECORDS_PER_SHOT = 200_000;

    /**
     * Smallest warm region (mapped file or segment) a warm benchmark writes into. Shots advance through it and
     * start over only when the next shot does not fit, so the range a shot writes was last touched at least
     * {@code 256 MiB - shot} bytes earlier: more than any current last-level cache, so a shot meets resident,
     * writable pages but not cache-resident lines, as a log that streams through memory does.
     */
    public static final long WARM_REGION_BYTES = 256L << 20;

    private static final long SEED = 0x5EED_0F_5A4D_3A11L;

    private Workload()
    {
    }

    /** {@code size} pseudo-random bytes, the same on every call and in every JVM. */
    public static byte[] payload(final int size)
    {
        if (size < 0)
        {
            throw new IllegalArgumentException("payload size " + size + " is negative");
        }
        final byte[] bytes = new byte[size];
        final SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < size; i++)
        {
            bytes[i] = (byte)random.nextInt(256);
        }
        return bytes;
    }

    /** {@code value} rounded up to a multiple of {@code alignment} (a power of two). */
    public static long alignUp(final long value, final long alignment)
    {
        return (value + alignment - 1) & -alignment;
    }
}
