package io.shardwal.index;

import static io.shardwal.index.IndexDescriptor.INT;
import static io.shardwal.index.IndexDescriptor.LONG;
import static io.shardwal.index.IndexDescriptor.MAX_SLAB_BYTES;
import static io.shardwal.index.IndexDescriptor.NIL;
import static io.shardwal.index.IndexDescriptor.OFFSET_MASK;
import static io.shardwal.index.IndexDescriptor.SLAB_SHIFT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Off-heap memory of one shard: slabs allocated from one shared {@link Arena}, growing from the initial size by
 * doubling up to 256 KiB, never returned before {@link #close()}. Two ways to allocate:
 * <ul>
 *   <li>{@link #allocateBump(int)}: 8-byte aligned, zeroed, never freed, at strictly increasing addresses (records,
 *       string bytes, entry-table chunks);</li>
 *   <li>{@link #allocate(int)}: a block of one of {@link #CLASS_COUNT} size classes (16, 24, 32, 48, 64, ... 64 KiB:
 *       two classes per power of two, so at most a third of a block is slack), recycled through intrusive per-class
 *       free lists (postings chunks). Blocks from a free list are not zeroed.</li>
 * </ul>
 * When a new slab is started, the rest of the old one is cut into free blocks (if this arena recycles), so nothing
 * is stranded. Addresses are {@code slab << SLAB_SHIFT | offset}; address 0 is {@link IndexDescriptor#NIL}.
 *
 * <p>An allocation fails only when it needs a new slab and cannot have one (the operating system refuses the memory,
 * or {@code maxSlabs} are in use): it then throws {@link IndexCapacityException} and has handed out nothing, so the
 * caller can undo its own steps ({@link ShardStorage#insert}).
 *
 * <p>Not thread-safe: the owning shard's lock guards allocation. Reads through {@link #slab(long)} may come from any
 * thread that holds that lock. {@link #close()} is idempotent; after it every access fails with an
 * {@link IllegalStateException} from the FFM API, never a crash.
 */
final class SlabArena implements AutoCloseable
{
    static final int CLASS_COUNT = 25;
    static final int MIN_SLAB_BYTES = 64 * 1024;

    private final Arena arena = Arena.ofShared();
    private final boolean recycle;
    private final int maxSlabs;
    private MemorySegment[] slabs = new MemorySegment[8];
    private int slabCount;
    private int nextSlabBytes;
    private long bumpOffset;
    private long bumpLimit;
    private final long[] freeHeads = new long[CLASS_COUNT];
    /** Bit c set iff freeHeads[c] is not NIL. */
    private int nonEmptyClasses;
    private long freeBytes;
    private long lostBytes;
    private long reservedBytes;
    private boolean closed;
    /** Tests only: the allocation that brings this to 0 fails as if no slab could be had; 0 when disarmed. */
    private int allocationsUntilFault;

    /**
     * @param initialSlabBytes size of the first slab, a power of two in [64 KiB, 256 KiB].
     * @param recycle          whether remainders of full slabs feed the free lists (false for bump-only arenas).
     * @param maxSlabs         how many slabs this arena may ever hold.
     */
    SlabArena(final int initialSlabBytes, final boolean recycle, final int maxSlabs)
    {
        this.recycle = recycle;
        this.maxSlabs = maxSlabs;
        this.nextSlabBytes = initialSlabBytes;
        startSlab(8);
        bumpOffset = 8; // address 0 is NIL
    }

    /** Bytes of size class {@code sizeClass}: 16, 24, 32, 48, 64, 96, ... 65536. */
    static int classBytes(final int sizeClass)
    {
        return ((sizeClass & 1) == 0 ? 16 : 24) << (sizeClass >> 1);
    }

    /** The smallest size class of at least {@code bytes}. */
    static int classFor(final int bytes)
    {
        for (int c = 0; c < CLASS_COUNT; c++)
        {
            if (classBytes(c) >= bytes)
            {
                return c;
            }
        }
        throw new IllegalArgumentException("no size class holds " + bytes + " bytes");
    }

    MemorySegment slab(final long address)
    {
        return slabs[(int)(address >>> SLAB_SHIFT)];
    }

    static long offset(final long address)
    {
        return address & OFFSET_MASK;
    }

    int getInt(final long address)
    {
        return slab(address).get(INT, offset(address));
    }

    void putInt(final long address, final int value)
    {
        slab(address).set(INT, offset(address), value);
    }

    long getLong(final long address)
    {
        return slab(address).get(LONG, offset(address));
    }

    void putLong(final long address, final long value)
    {
        slab(address).set(LONG, offset(address), value);
    }

    /**
     * A block of {@code classBytes(sizeClass)} bytes, contents undefined: from its free list, else split from the
     * smallest larger free block (the rest is cut into free blocks), else bumped from the current slab.
     */
    long allocate(final int sizeClass)
    {
        if (allocationsUntilFault != 0)
        {
            injectedFaultSlowPath(classBytes(sizeClass));
        }
        if (freeHeads[sizeClass] != NIL)
        {
            return pop(sizeClass);
        }
        final int larger = nonEmptyClasses & (-1 << (sizeClass + 1));
        if (larger != 0)
        {
            final int from = Integer.numberOfTrailingZeros(larger);
            final long block = pop(from);
            final int size = classBytes(sizeClass);
            carve(block + size, classBytes(from) - size);
            return block;
        }
        return bump(classBytes(sizeClass));
    }

    /** Returns a block from {@link #allocate(int)} to its free list. */
    void free(final long address, final int sizeClass)
    {
        putLong(address, freeHeads[sizeClass]);
        freeHeads[sizeClass] = address;
        nonEmptyClasses |= 1 << sizeClass;
        freeBytes += classBytes(sizeClass);
    }

    private long pop(final int sizeClass)
    {
        final long head = freeHeads[sizeClass];
        final long next = getLong(head);
        freeHeads[sizeClass] = next;
        if (next == NIL)
        {
            nonEmptyClasses &= ~(1 << sizeClass);
        }
        freeBytes -= classBytes(sizeClass);
        return head;
    }

    /** Cuts {@code [address, address + bytes)} into free blocks, largest classes first; under 16 bytes is lost. */
    private void carve(final long address, final long bytes)
    {
        long at = address;
        long left = bytes;
        for (int c = CLASS_COUNT - 1; c >= 0 && left >= classBytes(0); c--)
        {
            final int size = classBytes(c);
            while (left >= size)
            {
                free(at, c);
                at += size;
                left -= size;
            }
        }
        lostBytes += left;
    }

    /** {@code bytes} zeroed bytes at an 8-byte aligned address above every earlier bump address. */
    long allocateBump(final int bytes)
    {
        if (allocationsUntilFault != 0)
        {
            injectedFaultSlowPath(bytes);
        }
        return bump(bytes);
    }

    /**
     * Tests only: the {@code allocations}-th allocation from now (1 is the next; 0 disarms) fails with the
     * {@link IndexCapacityException} of a refused slab, whether or not it would have needed a new slab, so that a test
     * can make each allocation step of an operation fail in turn.
     */
    void failAllocation(final int allocations)
    {
        allocationsUntilFault = allocations;
    }

    private void injectedFaultSlowPath(final int bytes)
    {
        if (--allocationsUntilFault == 0)
        {
            throw noMemory(bytes, new OutOfMemoryError("injected by a test"));
        }
    }

    private long bump(final int bytes)
    {
        final int aligned = (bytes + 7) & ~7;
        if (bumpOffset + aligned > bumpLimit)
        {
            startSlabSlowPath(aligned);
        }
        final long address = ((long)(slabCount - 1) << SLAB_SHIFT) | bumpOffset;
        bumpOffset += aligned;
        return address;
    }

    /** Bytes of all slabs. */
    long reservedBytes()
    {
        return reservedBytes;
    }

    /** Bytes handed out and not on a free list (nor lost as a sub-16-byte remainder). */
    long usedBytes()
    {
        return reservedBytes - freeBytes - lostBytes - (bumpLimit - bumpOffset);
    }

    int slabCount()
    {
        return slabCount;
    }

    /** Heap held by this arena's own bookkeeping (the slab array). */
    long heapBytes()
    {
        return 16L + 8L * slabs.length + 8L * freeHeads.length;
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            Arrays.fill(slabs, null);
            arena.close();
        }
    }

    private void startSlabSlowPath(final int bytes)
    {
        if (closed)
        {
            throw new IllegalStateException("index shard memory is closed");
        }
        if (recycle)
        {
            carveRemainder();
        }
        startSlab(bytes);
    }

    private void startSlab(final int bytes)
    {
        if (slabCount == maxSlabs)
        {
            throw new IndexCapacityException("its addresses are used up: " + slabCount + " slabs of up to " +
                MAX_SLAB_BYTES + " bytes in use", null);
        }
        int size = nextSlabBytes;
        while (size < bytes)
        {
            size <<= 1;
        }
        if (size > MAX_SLAB_BYTES)
        {
            throw new IllegalArgumentException("allocation of " + bytes + " bytes exceeds the slab size limit " +
                MAX_SLAB_BYTES);
        }
        if (slabCount == slabs.length)
        {
            slabs = Arrays.copyOf(slabs, slabCount * 2);
        }
        final MemorySegment slab;
        try
        {
            slab = arena.allocate(size, 64);
        }
        catch (final OutOfMemoryError e)
        {
            throw noMemory(size, e);
        }
        slabs[slabCount++] = slab;
        reservedBytes += size;
        bumpOffset = 0;
        bumpLimit = size;
        nextSlabBytes = Math.min(MAX_SLAB_BYTES, Math.max(nextSlabBytes, size) << 1);
    }

    private IndexCapacityException noMemory(final int bytes, final OutOfMemoryError cause)
    {
        return new IndexCapacityException("off-heap memory ran out: " + bytes + " more bytes were refused (" +
            reservedBytes + " bytes in " + slabCount + " slabs held): " + cause.getMessage(), cause);
    }

    private void carveRemainder()
    {
        carve(((long)(slabCount - 1) << SLAB_SHIFT) | bumpOffset, bumpLimit - bumpOffset);
        bumpOffset = bumpLimit;
    }

    /** Copies {@code count} ints from {@code address} to {@code dst[dstIndex...]}. */
    void copyInts(final long address, final int[] dst, final int dstIndex, final int count)
    {
        MemorySegment.copy(slab(address), INT, offset(address), dst, dstIndex, count);
    }
}
