package io.shardwal.mmap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Layout of one frame in a segment's data region. Frames start on 8-byte boundaries; a frame occupies
 * {@code align(length)} bytes. All fields are little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |R|                Frame Length (signed int32)                  |  0  the commit word
 *  +---------------------------------------------------------------+
 *  |                  Checksum                                     |  4
 *  +---------------+---------------+-------------------------------+
 *  |     Type      |     Flags     |        Key Length (u16)       |  8
 *  +---------------+---------------+-------------------------------+
 *  |                  Key ...  then  Value ...                     | 12
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p><b>Frame length</b> counts header, key and value (not the alignment padding). It is the commit word of the
 * claim-and-commit protocol: {@code 0} never claimed, negative ({@code -length}) claimed and being written,
 * positive committed. Readers acquire-load it. A writer stores its header word first and then {@code -length}
 * with a 0 checksum (a release store of the 8 bytes at offset 0); from then on it writes only the body, and
 * commits with a compare-and-set of those 8 bytes. The one way to pad over a claim (an abort, or
 * {@link SegmentAppender#unblock} of a claim left open) first compare-and-sets them to {@code -length} with the
 * {@link #TAKEN_MARK} checksum, so that the owner's commit fails instead of publishing over the padding, and a
 * late body store lands in the padding's unchecked body.
 *
 * <p><b>Types.</b> {@link #TYPE_DATA} carries one record; its value length is
 * {@code length - HEADER_LENGTH - keyLength}. {@link #TYPE_PAD} carries nothing and is skipped (an aborted claim,
 * the unused end of a segment, or — with {@link #FLAG_SET_ASIDE} — damage that recovery set aside, whose bytes it
 * keeps for inspection).
 * {@link #TYPE_BATCH} is a 16-byte container header whose length spans itself and the DATA frames that follow it:
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                  Batch Length (header + all inner frames)     |  0  the commit word of the whole batch
 *  +---------------------------------------------------------------+
 *  |                  Checksum                                     |  4
 *  +---------------+---------------+-------------------------------+
 *  |  Type = BATCH |     Flags     |               0               |  8
 *  +---------------+---------------+-------------------------------+
 *  |                  Record Count                                 | 12
 *  +---------------------------------------------------------------+
 *  |                  DATA frame, DATA frame, ...                  | 16
 * </pre>
 *
 * The inner frames carry {@link #FLAG_BATCH_RECORD} and are written with positive lengths before the batch's own
 * length is committed, so the single
 * commit store publishes all of them at once, and a crash before it loses all of them: a batch is all or nothing.
 * A reader that meets a committed batch simply steps over its 16-byte header and reads the inner frames as
 * ordinary frames, so every record in a batch has its own position.
 *
 * <p><b>Checksum</b> = CRC32C of the body XOR {@link #seal(long, int, int)} of (position, length, header word).
 * The body is {@code [12, length)} for DATA (key and value), empty for PAD and the count field for BATCH. The seal
 * is a bijective mix of the header word and of the length for a given position, so any damage to type, flags,
 * key length or length is always detected, and a frame copied to another position does not validate there.
 *
 * <p><b>End of a segment.</b> A writer whose claim crosses the capacity writes a PAD frame over the rest of the
 * segment. When fewer than {@link #MIN_FRAME_LENGTH} bytes remain, no frame fits and nothing is written: readers
 * treat such a remainder as the end of the segment.
 */
public final class FrameDescriptor
{
    public static final int ALIGNMENT = 8;

    public static final int LENGTH_OFFSET = 0;
    public static final int CHECKSUM_OFFSET = 4;
    public static final int TYPE_OFFSET = 8;
    public static final int FLAGS_OFFSET = 9;
    public static final int KEY_LENGTH_OFFSET = 10;
    public static final int HEADER_LENGTH = 12;

    public static final int BATCH_COUNT_OFFSET = 12;
    public static final int BATCH_HEADER_LENGTH = 16;

    /** The smallest aligned frame: a header with empty key and value, or a minimal PAD. */
    public static final int MIN_FRAME_LENGTH = 16;

    public static final int MAX_KEY_LENGTH = 0xFFFF;

    public static final byte TYPE_DATA = 1;
    public static final byte TYPE_PAD = 2;
    public static final byte TYPE_BATCH = 3;

    /** Flag of a PAD frame written by recovery over damaged or torn bytes, which it keeps for inspection. */
    public static final int FLAG_SET_ASIDE = 0x01;
    /**
     * Flag of a DATA frame inside a BATCH. Readers ignore it; recovery uses it to refuse such a frame when its
     * batch header is missing, so that a batch can never survive in part.
     */
    public static final int FLAG_BATCH_RECORD = 0x02;

    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The commit word: release-stored by writers, acquire-loaded by readers. */
    static final VarHandle LENGTH = INT.varHandle();
    /**
     * Length and checksum as one little-endian long at offset 0 (frames are 8-byte aligned): a writer may publish
     * both with one release store; the length is its low half, so readers' acquire load of the length pairs with it.
     * That pair is mixed-size (an 8-byte release store, a 4-byte acquire load of part of it), which x86 and ARMv8
     * order like a same-size pair; Aeron publishes its frame headers the same way.
     */
    private static final VarHandle LENGTH_AND_CHECKSUM =
        ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    /** The checksum half of a claim that is being turned into padding: its owner can no longer commit it. */
    static final int TAKEN_MARK = 0x7A4B_3D01;

    /**
     * Marks {@code length} bytes at {@code offset} as claimed and being written, after the header word (release
     * store, so that whoever sees the mark sees the header word the owner will not write again).
     */
    static void markClaimed(final MemorySegment data, final long offset, final int length)
    {
        LENGTH_AND_CHECKSUM.setRelease(data, offset + LENGTH_OFFSET, -length & 0xFFFF_FFFFL);
    }

    /**
     * Commits the DATA frame at {@code offset} of {@code data} (at log position {@code position}) whose header word
     * is already written: seals {@code bodyChecksum} and publishes it with the length.
     *
     * @return false if the claim was taken to be padded over ({@link #take}) first: nothing was published.
     */
    static boolean commitData(final MemorySegment data, final long offset, final long position, final int length,
        final int keyLength, final int bodyChecksum)
    {
        final int checksum = bodyChecksum ^ seal(position, length, headerWord(TYPE_DATA, keyLength));
        return commit(data, offset, length, checksum);
    }

    /**
     * Publishes the claim of {@code length} bytes at {@code offset} with {@code checksum}: one compare-and-set of the
     * commit word and the checksum beside it (a full fence, which orders it like a release store); pairs with the
     * readers' acquire load.
     *
     * @return false if the claim was taken to be padded over ({@link #take}) first: nothing was published.
     */
    static boolean commit(final MemorySegment data, final long offset, final int length, final int checksum)
    {
        return LENGTH_AND_CHECKSUM.compareAndSet(data, offset + LENGTH_OFFSET, -length & 0xFFFF_FFFFL,
            ((long)checksum << 32) | (length & 0xFFFF_FFFFL));
    }

    /**
     * Takes the claim of {@code length} bytes at {@code offset} away from its owner, to pad over it: the owner's
     * commit fails from now on, and the caller alone may rewrite its header.
     *
     * @return false if the claim is not in flight any more (committed, or taken by someone else).
     */
    static boolean take(final MemorySegment data, final long offset, final int length)
    {
        return LENGTH_AND_CHECKSUM.compareAndSet(data, offset + LENGTH_OFFSET, -length & 0xFFFF_FFFFL,
            ((long)TAKEN_MARK << 32) | (-length & 0xFFFF_FFFFL));
    }

    /** The 8 bytes at {@code offset}: commit word in the low half, checksum in the high half (acquire load). */
    static long commitWordAndChecksum(final MemorySegment data, final long offset)
    {
        return (long)LENGTH_AND_CHECKSUM.getAcquire(data, offset + LENGTH_OFFSET);
    }

    private FrameDescriptor()
    {
    }

    public static int align(final int length)
    {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }

    public static long align(final long length)
    {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** The unaligned length of a DATA frame with this key and value. */
    public static long dataFrameLength(final long keyLength, final long valueLength)
    {
        return HEADER_LENGTH + keyLength + valueLength;
    }

    /** The header word at {@link #TYPE_OFFSET} as one little-endian int. */
    public static int headerWord(final byte type, final int keyLength)
    {
        return (type & 0xFF) | (keyLength << 16);
    }

    /** The header word with flags. */
    public static int headerWord(final byte type, final int flags, final int keyLength)
    {
        return (type & 0xFF) | ((flags & 0xFF) << 8) | (keyLength << 16);
    }

    public static byte typeOf(final int headerWord)
    {
        return (byte)headerWord;
    }

    public static int flagsOf(final int headerWord)
    {
        return (headerWord >>> 8) & 0xFF;
    }

    public static int keyLengthOf(final int headerWord)
    {
        return headerWord >>> 16;
    }

    /**
     * A bijective 32-bit mix of the frame's header word and length, keyed by its position. XORed into the body's
     * CRC32C to form the checksum.
     */
    public static int seal(final long position, final int length, final int headerWord)
    {
        int h = (int)(position ^ (position >>> 32)) * 0x9E3779B1;
        h = fmix(h ^ headerWord);
        return fmix(h ^ length);
    }

    private static int fmix(final int value)
    {
        int h = value;
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h;
    }

    /**
     * Checks the fields of a committed frame that can be checked without its body: the length fits both the
     * header and the space left in the segment, the type is known, flags are zero and the key fits.
     *
     * @return null if the frame is well formed, else the reason it is not.
     */
    public static String checkFrame(final int length, final int headerWord, final long remaining)
    {
        if (length < HEADER_LENGTH)
        {
            return "frame length " + length + " is shorter than the " + HEADER_LENGTH + "-byte header";
        }
        if (length > remaining)
        {
            return "frame length " + length + " runs past the end of the segment (" + remaining + " bytes remain)";
        }
        final byte type = typeOf(headerWord);
        final int allowedFlags = type == TYPE_PAD ? FLAG_SET_ASIDE : type == TYPE_DATA ? FLAG_BATCH_RECORD : 0;
        if ((flagsOf(headerWord) & ~allowedFlags) != 0)
        {
            return "unknown frame flags 0x" + Integer.toHexString(flagsOf(headerWord));
        }
        switch (type)
        {
            case TYPE_DATA:
                if (HEADER_LENGTH + keyLengthOf(headerWord) > length)
                {
                    return "key length " + keyLengthOf(headerWord) + " does not fit frame length " + length;
                }
                return null;
            case TYPE_PAD:
                return keyLengthOf(headerWord) == 0 ? null : "PAD frame with a key length";
            case TYPE_BATCH:
                if (length < BATCH_HEADER_LENGTH || (length & (ALIGNMENT - 1)) != 0 || keyLengthOf(headerWord) != 0)
                {
                    return "BATCH frame with impossible length " + length;
                }
                return null;
            default:
                return "unknown frame type " + type;
        }
    }

    /** Human-readable name of a frame type. */
    public static String typeName(final byte type)
    {
        return switch (type)
        {
            case TYPE_DATA -> "DATA";
            case TYPE_PAD -> "PAD";
            case TYPE_BATCH -> "BATCH";
            default -> "type " + type;
        };
    }
}
