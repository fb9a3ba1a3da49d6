package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

class WalOptionsTest
{
    private static final Path DIR = Path.of("unused");

    private static void rejects(final UnaryOperator<WalOptions.Builder> change, final String expected)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> change.apply(WalOptions.builder(DIR)).build());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void shouldUseTheDocumentedDefaults()
    {
        final WalOptions options = WalOptions.builder(DIR).build();
        assertEquals(WalOptions.DEFAULT_SHARD_COUNT, options.shardCount());
        assertEquals(64L << 20, options.segmentSize());
        assertEquals(SyncMode.STRICT, options.syncMode());
        assertEquals(WalOptions.DEFAULT_MAX_VALUE_SIZE, options.maxValueSize());
        assertEquals(1, options.prepareAhead());
        assertTrue(options.createIfMissing());
        assertEquals(0, options.recoveryThreads());
        assertEquals(Duration.ofSeconds(5), options.progressInterval());
    }

    @Test
    void shouldFitTheDefaultValueLimitToSmallSegments()
    {
        final WalOptions options = WalOptions.builder(DIR).segmentSize(8192).maxKeySize(100).build();
        assertEquals(8192 - 112, options.maxValueSize());
    }

    @Test
    void shouldNameEveryInvalidSetting()
    {
        rejects(b -> b.shardCount(0), "shardCount must be in [1, 32767], not 0");
        rejects(b -> b.shardCount(40_000), "not 40000");
        rejects(b -> b.segmentSize(1000), "segmentSize must be a multiple of 4096");
        rejects(b -> b.segmentSize(2L << 30), "not 2147483648");
        rejects(b -> b.syncInterval(Duration.ZERO), "syncInterval must be positive");
        rejects(b -> b.maxKeySize(70_000), "maxKeySize must be in [0, 65535], not 70000");
        rejects(b -> b.maxValueSize(-2), "maxValueSize must not be negative");
        rejects(b -> b.segmentSize(8192).maxValueSize(9000), "must fit one segment of 8192 bytes");
        rejects(b -> b.prepareAhead(-1), "prepareAhead must be in [0, 16], not -1");
        rejects(b -> b.maxOpenReaderSegments(0), "maxOpenReaderSegments must be at least 1");
        rejects(b -> b.commitWaitTimeout(Duration.ofSeconds(-1)), "commitWaitTimeout must be positive");
        rejects(b -> b.recoveryThreads(-1), "recoveryThreads must be in [0, 1024] (0: one per processor), not -1");
        rejects(b -> b.recoveryThreads(1025), "not 1025");
        rejects(b -> b.progressInterval(Duration.ofMillis(-1)), "progressInterval must not be negative, not PT-0.001S");
        assertThrows(NullPointerException.class, () -> WalOptions.builder(DIR).progressInterval(null));
        assertThrows(NullPointerException.class, () -> WalOptions.builder(null));
        assertThrows(NullPointerException.class, () -> WalOptions.builder(DIR).syncMode(null));
    }

    @Test
    void shouldRoundTripThroughItsBuilder()
    {
        final WalOptions options = WalOptions.builder(DIR).shardCount(9).segmentSize(1 << 20)
            .syncMode(SyncMode.ASYNC).routerSeed(5).recoveryThreads(3).progressInterval(Duration.ofSeconds(1)).build();
        assertEquals(options.toString(), options.toBuilder().build().toString());
        assertEquals(3, options.toBuilder().build().recoveryThreads());
        assertEquals(Duration.ofSeconds(1), options.toBuilder().build().progressInterval());
    }
}
