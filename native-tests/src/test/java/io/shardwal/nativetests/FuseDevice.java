package io.shardwal.nativetests;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel end of a FUSE file system, through libc: opens {@code /dev/fuse}, mounts it at a directory with
 * {@code mount(2)} (root only), reads requests and writes replies. {@link PowerLossFs} speaks the protocol.
 *
 * <p><b>Threads.</b> One thread reads and replies; {@link #unmount} may be called from another one.
 */
@SuppressWarnings("restricted") // libc calls: the test file system's own, in its own process
final class FuseDevice
{
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final long MS_NOSUID = 2;
    private static final long MS_NODEV = 4;
    private static final int MNT_DETACH = 2;
    private static final int EINTR = 4;
    private static final int ENOENT = 2;
    private static final int EAGAIN = 11;
    private static final int ENODEV = 19;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(
        java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = handle("open",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle READ = handle("read",
        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = handle("write",
        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle CLOSE = handle("close",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle MOUNT = handle("mount", FunctionDescriptor.of(ValueLayout.JAVA_INT,
        ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final MethodHandle UMOUNT2 = handle("umount2",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private final Path mountPoint;
    private final int fd;
    private final MemorySegment callState = Arena.global().allocate(CALL_STATE);
    private volatile boolean mounted;

    private FuseDevice(final Path mountPoint, final int fd)
    {
        this.mountPoint = mountPoint;
        this.fd = fd;
        this.mounted = true;
    }

    /** Why this machine cannot mount a FUSE file system here, or null if it can (or may: only a mount tells). */
    static String unavailable()
    {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux"))
        {
            return "FUSE needs Linux";
        }
        if (!Files.exists(Path.of("/dev/fuse")))
        {
            return "there is no /dev/fuse (the kernel has no FUSE, or the container does not pass the device)";
        }
        if (!Files.isReadable(Path.of("/dev/fuse")) || !Files.isWritable(Path.of("/dev/fuse")))
        {
            return "/dev/fuse is not readable and writable by this user";
        }
        return null;
    }

    /** Opens {@code /dev/fuse} and mounts it at {@code mountPoint}, which must be an existing directory. */
    static FuseDevice mount(final Path mountPoint, final String name) throws IOException
    {
        final MemorySegment state = Arena.global().allocate(CALL_STATE);
        try (Arena arena = Arena.ofConfined())
        {
            final int fd = (int)OPEN.invokeExact(state, arena.allocateFrom("/dev/fuse"), O_RDWR | O_CLOEXEC);
            if (fd < 0)
            {
                throw new IOException("cannot open /dev/fuse: errno " + errno(state));
            }
            final String options = "fd=" + fd + ",rootmode=40000,user_id=0,group_id=0";
            final int result = (int)MOUNT.invokeExact(state, arena.allocateFrom(name),
                arena.allocateFrom(mountPoint.toString()), arena.allocateFrom("fuse." + name), MS_NOSUID | MS_NODEV,
                arena.allocateFrom(options));
            if (result != 0)
            {
                final int errno = errno(state);
                final int ignored = (int)CLOSE.invokeExact(fd);
                throw new IOException("cannot mount a FUSE file system at " + mountPoint + ": errno " + errno
                    + (errno == 1 ? " (EPERM: mounting needs root or CAP_SYS_ADMIN)" : ""));
            }
            return new FuseDevice(mountPoint, fd);
        }
        catch (final IOException | RuntimeException | Error e)
        {
            throw e;
        }
        catch (final Throwable e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** Reads one request into {@code buffer}: its length, or -1 once the file system is unmounted. */
    int read(final MemorySegment buffer) throws IOException
    {
        while (true)
        {
            final long read;
            try
            {
                read = (long)READ.invokeExact(callState, fd, buffer, buffer.byteSize());
            }
            catch (final Throwable e)
            {
                throw new IllegalStateException(e);
            }
            if (read >= 0)
            {
                return (int)read;
            }
            final int errno = errno(callState);
            if (errno == ENODEV)
            {
                return -1;
            }
            if (errno != EINTR && errno != ENOENT && errno != EAGAIN)
            {
                throw new IOException("reading /dev/fuse for " + mountPoint + " failed: errno " + errno);
            }
        }
    }

    /** Writes one reply; a reply to a request the kernel dropped meanwhile (interrupted) is ignored. */
    void write(final MemorySegment reply, final int length) throws IOException
    {
        final long written;
        try
        {
            written = (long)WRITE.invokeExact(callState, fd, reply, (long)length);
        }
        catch (final Throwable e)
        {
            throw new IllegalStateException(e);
        }
        if (written < 0)
        {
            final int errno = errno(callState);
            if (errno != ENOENT && errno != ENODEV)
            {
                throw new IOException("replying on /dev/fuse for " + mountPoint + " failed: errno " + errno);
            }
        }
    }

    /** Detaches the mount: requests in flight fail, the reading thread sees the end. Idempotent. */
    void unmount()
    {
        if (!mounted)
        {
            return;
        }
        mounted = false;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final int ignored = (int)UMOUNT2.invokeExact(state, arena.allocateFrom(mountPoint.toString()),
                MNT_DETACH);
        }
        catch (final Throwable e)
        {
            throw new IllegalStateException(e);
        }
    }

    private static int errno(final MemorySegment state)
    {
        return (int)ERRNO.get(state, 0L);
    }

    private static MethodHandle handle(final String name, final FunctionDescriptor descriptor)
    {
        final MemorySegment symbol = LIBC.find(name)
            .orElseThrow(() -> new IllegalStateException("libc has no " + name));
        return name.equals("close") ? LINKER.downcallHandle(symbol, descriptor)
            : LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO);
    }
}
