package io.shardwal.mmap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The only place shardwal calls native code: ranged {@code msync}, {@code posix_fallocate} and {@code madvise}
 * (plus {@code open}/{@code close} for the descriptor fallocate needs and {@code strerror} for messages).
 *
 * <p>Handles are looked up once, when the class initialises. When they cannot be had — native access not enabled
 * for this code, or an operating system other than Linux — {@link #AVAILABLE} is false, one log line says why and
 * names the flag, and callers fall back: msync becomes {@code FileChannel.force}, preallocation writes zeros,
 * pretouching touches each page with CAS(0,0). The fallbacks keep every durability promise; they are only slower.
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
@SuppressWarnings("restricted") // the one class that is meant to call restricted methods
final class Natives
{
    static final int MS_ASYNC = 1;
    static final int MS_SYNC = 4;
    static final int MADV_SEQUENTIAL = 2;
    static final int MADV_WILLNEED = 3;
    static final int MADV_DONTNEED = 4;
    /** Linux 5.14+: fault pages in writable without changing their contents. */
    static final int MADV_POPULATE_WRITE = 23;

    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int SC_PAGESIZE = 30;
    private static final int EINTR = 4;
    private static final int EINVAL = 22;

    static final String NATIVE_ACCESS_FLAG = "--enable-native-access=ALL-UNNAMED";

    private static final System.Logger LOG = System.getLogger("io.shardwal.mmap");

    /** True when the native calls are usable; false means the documented fallbacks are in use. */
    static final boolean AVAILABLE;
    /** Why {@link #AVAILABLE} is false, or null. */
    static final String UNAVAILABLE_REASON;
    static final long PAGE_SIZE;

    private static final MethodHandle MSYNC;
    private static final MethodHandle MADVISE;
    private static final MethodHandle POSIX_FALLOCATE;
    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle STRERROR;
    private static final StructLayout CAPTURE_LAYOUT;
    private static final VarHandle ERRNO;

    static
    {
        MethodHandle msync = null;
        MethodHandle madvise = null;
        MethodHandle fallocate = null;
        MethodHandle open = null;
        MethodHandle close = null;
        MethodHandle strerror = null;
        StructLayout captureLayout = null;
        VarHandle errno = null;
        long pageSize = 4096;
        String reason = null;
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux"))
        {
            reason = "shardwal's native calls are written for Linux and this is " + os;
        }
        else if (!Natives.class.getModule().isNativeAccessEnabled())
        {
            reason = "native access is not enabled for shardwal; start the JVM with " + NATIVE_ACCESS_FLAG
                + " (or --enable-native-access=<module> when shardwal is on the module path)";
        }
        else
        {
            try
            {
                final Linker linker = Linker.nativeLinker();
                final SymbolLookup libc = linker.defaultLookup();
                final Linker.Option captureErrno = Linker.Option.captureCallState("errno");
                captureLayout = Linker.Option.captureStateLayout();
                errno = captureLayout.varHandle(MemoryLayout.PathElement.groupElement("errno"));
                msync = linker.downcallHandle(libc.findOrThrow("msync"), FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
                    captureErrno);
                madvise = linker.downcallHandle(libc.findOrThrow("madvise"), FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
                    captureErrno);
                // posix_fallocate returns the error number instead of setting errno.
                fallocate = linker.downcallHandle(libc.findOrThrow("posix_fallocate"), FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
                open = linker.downcallHandle(libc.findOrThrow("open"), FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                    captureErrno, Linker.Option.firstVariadicArg(2));
                close = linker.downcallHandle(libc.findOrThrow("close"), FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                strerror = linker.downcallHandle(libc.findOrThrow("strerror"), FunctionDescriptor.of(
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
                final MethodHandle sysconf = linker.downcallHandle(libc.findOrThrow("sysconf"), FunctionDescriptor.of(
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                final long size = (long)sysconf.invokeExact(SC_PAGESIZE);
                if (size > 0 && Long.bitCount(size) == 1)
                {
                    pageSize = size;
                }
            }
            catch (final Throwable t)
            {
                reason = "the native calls could not be linked (" + t + "); start the JVM with " + NATIVE_ACCESS_FLAG;
                msync = null;
            }
        }
        AVAILABLE = reason == null;
        UNAVAILABLE_REASON = reason;
        PAGE_SIZE = pageSize;
        MSYNC = msync;
        MADVISE = madvise;
        POSIX_FALLOCATE = fallocate;
        OPEN = open;
        CLOSE = close;
        STRERROR = strerror;
        CAPTURE_LAYOUT = captureLayout;
        ERRNO = errno;
        if (!AVAILABLE)
        {
            LOG.log(System.Logger.Level.WARNING, "shardwal: " + reason + "; falling back to FileChannel.force for "
                + "msync, zero-filling for posix_fallocate and CAS pretouching for madvise (all slower, equally "
                + "durable)");
        }
    }

    private Natives()
    {
    }

    static long pageAlignDown(final long value)
    {
        return value & -PAGE_SIZE;
    }

    static long pageAlignUp(final long value)
    {
        return (value + PAGE_SIZE - 1) & -PAGE_SIZE;
    }

    /**
     * {@code msync} of the pages covering {@code mapping[offset, offset + length)}. The mapping must start on a page
     * boundary (file mappings do). Only call when {@link #AVAILABLE}.
     */
    static void msync(final MemorySegment mapping, final long offset, final long length, final boolean synchronous,
        final Path file) throws IOException
    {
        final long start = pageAlignDown(offset);
        final long end = Math.min(pageAlignUp(offset + length), mapping.byteSize());
        if (end <= start)
        {
            return;
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            final MemorySegment range = mapping.asSlice(start, end - start);
            int result;
            do
            {
                result = (int)MSYNC.invokeExact(state, range, end - start, synchronous ? MS_SYNC : MS_ASYNC);
            }
            while (result != 0 && errno(state) == EINTR);
            if (result != 0)
            {
                final int error = errno(state);
                throw new IOException("msync of bytes [" + start + ", " + end + ") of the mapping of " + file
                    + " failed: " + describe(error));
            }
        }
        catch (final IOException | RuntimeException | Error e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw new IOException("msync of " + file + " failed", t);
        }
    }

    /**
     * {@code madvise} over the pages covering {@code mapping[offset, offset + length)}; returns false (and changes
     * nothing) when the kernel does not know the advice or natives are unavailable.
     */
    static boolean madvise(final MemorySegment mapping, final long offset, final long length, final int advice)
    {
        if (!AVAILABLE)
        {
            return false;
        }
        final long start = pageAlignDown(offset);
        final long end = Math.min(pageAlignUp(offset + length), mapping.byteSize());
        if (end <= start)
        {
            return true;
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int result;
            do
            {
                result = (int)MADVISE.invokeExact(state, mapping.asSlice(start, end - start), end - start, advice);
            }
            while (result != 0 && errno(state) == EINTR);
            return result == 0;
        }
        catch (final RuntimeException | Error e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            return false;
        }
    }

    /**
     * Reserves {@code [0, length)} of an existing file so that later writes through a mapping cannot fail for want
     * of space. Returns false, changing nothing, if the file system cannot preallocate (the caller then zero-fills);
     * throws with the exact cause (e.g. "No space left on device") if it can but has no room.
     */
    static boolean fallocate(final Path file, final long length) throws IOException
    {
        if (!AVAILABLE)
        {
            return false;
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            final MemorySegment path = arena.allocateFrom(file.toString());
            final int fd = (int)OPEN.invokeExact(state, path, O_RDWR | O_CLOEXEC, 0);
            if (fd < 0)
            {
                throw new IOException("cannot open " + file + " to preallocate it: " + describe(errno(state)));
            }
            try
            {
                int error;
                do
                {
                    error = (int)POSIX_FALLOCATE.invokeExact(fd, 0L, length);
                }
                while (error == EINTR);
                if (error == EINVAL)
                {
                    return false;
                }
                if (error != 0)
                {
                    throw new IOException("cannot preallocate " + length + " bytes for " + file + ": "
                        + describe(error));
                }
                return true;
            }
            finally
            {
                final int ignored = (int)CLOSE.invokeExact(fd);
            }
        }
        catch (final IOException | RuntimeException | Error e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw new IOException("cannot preallocate " + file, t);
        }
    }

    private static int errno(final MemorySegment state)
    {
        return (int)ERRNO.get(state, 0L);
    }

    /** "No space left on device (errno 28)". */
    static String describe(final int errno)
    {
        try
        {
            final MemorySegment text = (MemorySegment)STRERROR.invokeExact(errno);
            if (!text.equals(MemorySegment.NULL))
            {
                return text.reinterpret(1024).getString(0) + " (errno " + errno + ")";
            }
        }
        catch (final Throwable ignored)
        {
            // fall through to the bare number
        }
        return "errno " + errno;
    }
}
