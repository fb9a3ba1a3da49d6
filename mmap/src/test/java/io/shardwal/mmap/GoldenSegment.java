package io.shardwal.mmap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the golden segment of format version {@value SegmentDescriptor#VERSION}: every frame type, fixed creation
 * time, so the bytes are the same on every run.
 *
 * <p>To change the format on purpose, bump the version, run this class's {@code main} with the project root as
 * working directory to regenerate {@code src/test/resources/golden/segment-v1.wal}, and keep the old file: readers
 * of old versions must keep reading it.
 */
final class GoldenSegment
{
    static final String RESOURCE = "/golden/segment-v1.wal";
    static final long BASE_POSITION = 65536;
    static final long CAPACITY = 4096;
    static final int OWNER = 1;
    static final long CREATED_MILLIS = 1_700_000_000_000L;

    /** The records a reader must deliver, in order: key, value. */
    static final List<String[]> RECORDS = List.of(
        new String[] {"k1", "golden value one"},
        new String[] {"", "twenty bytes of data"},
        new String[] {"b1", "first of a batch"},
        new String[] {"b2", "second of a batch"},
        new String[] {"last", "after an aborted claim"});

    private GoldenSegment()
    {
    }

    static void write(final Path file) throws IOException
    {
        try (MappedSegment segment = MappedSegment.create(file, BASE_POSITION, CAPACITY, OWNER, CREATED_MILLIS))
        {
            final SegmentAppender appender = new SegmentAppender(segment);
            final FrameClaim claim = new FrameClaim();
            appender.append(bytes(RECORDS.get(0)[0]), bytes(RECORDS.get(0)[1]), claim);
            appender.tryClaim(0, 20, claim);
            claim.putValue(0, bytes(RECORDS.get(1)[1]), 0, 20);
            claim.commit();
            appender.appendBatch(new SegmentAppenderTest.TestBatch(
                List.of(bytes(RECORDS.get(2)[0]), bytes(RECORDS.get(3)[0])),
                List.of(bytes(RECORDS.get(2)[1]), bytes(RECORDS.get(3)[1]))), new long[2], claim);
            appender.tryClaim(3, 9, claim);
            claim.abort();
            appender.append(bytes(RECORDS.get(4)[0]), bytes(RECORDS.get(4)[1]), claim);
        }
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    public static void main(final String[] args) throws IOException
    {
        final Path target = Path.of("mmap/src/test/resources" + RESOURCE);
        Files.deleteIfExists(target);
        write(target);
        System.out.println("wrote " + target.toAbsolutePath());
    }
}
