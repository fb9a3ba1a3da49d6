package io.shardwal.bench;

/**
 * The JVM flags of the benchmark forks, as constants for {@code @Fork(jvmArgsAppend = ...)}.
 *
 * <p>Every fork gets the same fixed heap and native access. The peer's flags are used by the peer's forks only:
 * they never reach shardwal's forks, its tests or its runtime, which need nothing but {@link #NATIVE_ACCESS}.
 *
 * <p>Who sets what: benchmark classes use {@code jvmArgsAppend} only; {@link RunBenchmarks} sets {@code jvmArgs}
 * (empty, so the runner's own flags do not leak into forks) and {@code jvmArgsPrepend} (where results go).
 */
public final class BenchJvm
{
    /** A fixed heap, so that every fork sizes its heap the same way on every machine. */
    public static final String HEAP_MIN = "-Xms1g";
    public static final String HEAP_MAX = "-Xmx1g";

    /** The only flag shardwal needs: its msync/madvise/posix_fallocate downcalls. */
    public static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    /**
     * Chronicle Queue: required. Without it chronicle-core cannot reach {@code sun.nio.ch} to map its files and
     * the queue silently opens read-only ("Can't append to a read-only chronicle").
     */
    public static final String CHRONICLE_EXPORT_NIO = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";

    /**
     * Chronicle Queue: required. chronicle-core makes JDK-internal methods accessible through
     * {@code java.lang.reflect}; without it building a queue fails with an {@code IllegalAccessException} on
     * {@code sun.nio.ch.UnixFileDispatcherImpl.map0}.
     */
    public static final String CHRONICLE_OPEN_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";

    /** Chronicle Queue: required by us, not by it: turns off its usage reporting over the network. */
    public static final String CHRONICLE_NO_ANALYTICS = "-Dchronicle.analytics.disable=true";

    /**
     * Chronicle Queue: optional. Lets its direct-buffer cleaner work; without it, it logs a warning at start-up and
     * leaves those (start-up only) buffers to the GC. Not on any write path.
     */
    public static final String CHRONICLE_EXPORT_REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";

    /**
     * Chronicle Queue: optional on JDK 25, where it only silences the start-up warning about
     * {@code sun.misc.Unsafe} memory access (JEP 498); a later JDK that denies that access by default needs it.
     */
    public static final String CHRONICLE_UNSAFE = "--sun-misc-unsafe-memory-access=allow";

    /** Chronicle Queue logs through SLF4J: warnings and errors reach the benchmark log, its banner does not. */
    public static final String CHRONICLE_LOG_LEVEL = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn";

    private BenchJvm()
    {
    }
}
