package io.shardwal.nativetests;

/**
 * The operations one writer performs, in order: a pure function of (run seed, writer), so that the process that
 * checks a log can rebuild which sequences were appended together (a batch, whose part in each shard is all or
 * nothing) and which were claimed and aborted (never to be seen), knowing only the seed.
 *
 * <p>Each writer has a style drawn from its id: singles only, batch-heavy, zero-copy claims, or a mix; aborted
 * claims appear in the claim styles. Sequences are consecutive: operation {@code n + 1} starts where {@code n}
 * ends. Not thread-safe: one plan per writer thread.
 */
final class OpPlan
{
    /** Largest batch, chosen so that a batch of the largest values fits a 64 KiB segment. */
    static final int MAX_BATCH = 8;

    enum Kind
    {
        /** {@code append(byte[], byte[])}. */
        SINGLE,
        /** {@code appendBatch} of 2..{@link #MAX_BATCH} records, each shard's part committed as one. */
        BATCH,
        /** {@code tryClaim}, value written into the mapped frame, {@code commit}. */
        CLAIM,
        /** {@code tryClaim}, value written, then {@code abort}: must never be delivered. */
        ABORTED_CLAIM
    }

    /** One operation: {@code size} records with sequences {@code [firstSeq, firstSeq + size)}. */
    record Op(Kind kind, long firstSeq, int size)
    {
        long endSeq()
        {
            return firstSeq + size;
        }

        boolean contains(final long seq)
        {
            return seq >= firstSeq && seq < endSeq();
        }
    }

    private final long hash;
    private final int batchPercent;
    private final int claimPercent;
    private long nextSeq;
    private long draws;

    OpPlan(final long seed, final long writer)
    {
        hash = RecordScheme.mix(seed * 31 + RecordScheme.mix(writer + 0x5DEECE66DL));
        switch ((int)Math.floorMod(hash, 4L))
        {
            case 0 ->
            {
                batchPercent = 0;
                claimPercent = 0;
            }
            case 1 ->
            {
                batchPercent = 60;
                claimPercent = 0;
            }
            case 2 ->
            {
                batchPercent = 0;
                claimPercent = 70;
            }
            default ->
            {
                batchPercent = 25;
                claimPercent = 25;
            }
        }
    }

    /** The next operation. */
    Op next()
    {
        final long draw = RecordScheme.mix(hash + ++draws);
        final int percent = (int)Math.floorMod(draw, 100L);
        final Op op;
        if (percent < batchPercent)
        {
            op = new Op(Kind.BATCH, nextSeq, 2 + (int)Math.floorMod(draw >>> 16, (long)MAX_BATCH - 1));
        }
        else if (percent < batchPercent + claimPercent)
        {
            op = new Op(Math.floorMod(draw >>> 16, 10L) == 0 ? Kind.ABORTED_CLAIM : Kind.CLAIM, nextSeq, 1);
        }
        else
        {
            op = new Op(Kind.SINGLE, nextSeq, 1);
        }
        nextSeq = op.endSeq();
        return op;
    }
}
