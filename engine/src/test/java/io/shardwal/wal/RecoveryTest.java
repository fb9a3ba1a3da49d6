package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.shardwal.mmap.FrameDescriptor;
import io.shardwal.mmap.SegmentScanner;
import io.shardwal.mmap.ShardwalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recovery of crash images: everything acknowledged survives, damage is reported, nothing damaged is delivered. */
class RecoveryTest
{
    private static final long SEGMENT = 16 * 1024;

    @TempDir
    Path dir;

    private WalOptions options(final Path log)
    {
        return WalOptions.builder(log).shardCount(1).segmentSize(SEGMENT).syncMode(SyncMode.ASYNC).prepareAhead(0)
            .build();
    }

    /** Appends {@code count} records to a new one-shard log and closes it cleanly; returns the acks. */
    private List<Records.Ack> writeAndClose(final Path log, final int count)
    {
        return Records.writeAndClose(options(log), count);
    }

    private static int frameLength(final Records.Ack ack)
    {
        return (int)FrameDescriptor.dataFrameLength(ack.key().length, ack.value().length);
    }

    @Test
    void shouldSetAsideADeadClaimAndKeepEveryRecordAroundIt()
    {
        final Path log = dir.resolve("log");
        final List<Records.Ack> acks = new ArrayList<>();
        final Path image;
        try (ShardedWal wal = ShardedWal.open(options(log)); WalClaim claim = new WalClaim())
        {
            for (int i = 0; i < 10; i++)
            {
                acks.add(new Records.Ack(wal.append(Records.key(0, i, 3), Records.value(0, i, 0)),
                    Records.key(0, i, 3), Records.value(0, i, 0)));
            }
            final long dead = wal.tryClaim(new byte[] {'d'}, 40, claim);
            for (int i = 10; i < 20; i++)
            {
                acks.add(new Records.Ack(wal.append(Records.key(0, i, 3), Records.value(0, i, 0)),
                    Records.key(0, i, 3), Records.value(0, i, 0)));
            }
            image = CrashImages.copy(log, dir.resolve("image"));
            try (ShardedWal recovered = ShardedWal.open(options(image)))
            {
                final RecoveryReport report = recovered.recoveryReport();
                assertEquals("PROCESS_CRASH", report.previousStop());
                assertEquals(1, report.repairs().size(), report.summary());
                assertEquals("DEAD_CLAIM", report.repairs().getFirst().kind());
                assertEquals(RecordAddress.position(dead), report.repairs().getFirst().position());
                final Map<Long, Records.WalRecordCopy> found = Records.readAll(recovered);
                assertEquals(20, found.size());
                Records.assertAllPresent(acks, found);
            }
        }
    }

    @Test
    void shouldCutATornLastRecordAtEveryByteAndKeepAllBefore()
    {
        final Path pristine = dir.resolve("pristine");
        final List<Records.Ack> acks = writeAndClose(pristine, 30);
        final Records.Ack last = acks.getLast();
        final int length = frameLength(last);
        final long start = RecordAddress.position(last.address());
        for (int cut = 0; cut < FrameDescriptor.align(length); cut++)
        {
            final Path image = CrashImages.copy(pristine, dir.resolve("cut-" + cut));
            CrashImages.markCrashed(image, true);
            final Path segment = CrashImages.segmentFile(image, 0, start - start % SEGMENT);
            CrashImages.zero(segment, CrashImages.fileOffset(start, SEGMENT) + cut, FrameDescriptor.align(length) - cut);
            try (ShardedWal wal = ShardedWal.open(options(image)))
            {
                final Map<Long, Records.WalRecordCopy> found = Records.readAll(wal);
                final RecoveryReport report = wal.recoveryReport();
                if (cut >= length)
                {
                    assertEquals(30, found.size(), "cut " + cut + " removed only padding");
                    assertTrue(report.clean(), report.summary());
                }
                else
                {
                    Records.assertAllPresent(acks.subList(0, 29), found);
                    assertEquals(29, found.size(), "cut " + cut);
                    assertEquals(1, report.repairs().size(), "cut " + cut + ": " + report.summary());
                    assertEquals("TORN_TAIL", report.repairs().getFirst().kind());
                    assertEquals(start, report.repairs().getFirst().position());
                    assertEquals(start, wal.committedPosition(0), "appends continue where the torn record began");
                    final long next = wal.append(new byte[] {1}, new byte[] {2});
                    assertEquals(start, RecordAddress.position(next));
                }
            }
        }
    }

    @Test
    void shouldDetectEveryHeaderBitFlipAndSomePayloadFlipsWithoutDeliveringTheRecord()
    {
        final Path pristine = dir.resolve("pristine");
        final List<Records.Ack> acks = writeAndClose(pristine, 12);
        final Records.Ack victim = acks.get(6);
        final long position = RecordAddress.position(victim.address());
        final List<Records.Ack> others = new ArrayList<>(acks);
        others.remove(6);
        final int frame = frameLength(victim);
        final List<Integer> bits = new ArrayList<>();
        for (int bit = 0; bit < FrameDescriptor.HEADER_LENGTH * 8; bit++)
        {
            bits.add(bit);
        }
        for (int bit = FrameDescriptor.HEADER_LENGTH * 8; bit < frame * 8; bit += 37)
        {
            bits.add(bit);
        }
        for (final int bit : bits)
        {
            final Path image = CrashImages.copy(pristine, dir.resolve("flip-" + bit));
            final Path segment = CrashImages.segmentFile(image, 0, 0);
            CrashImages.flipBit(segment, CrashImages.fileOffset(position, SEGMENT) + bit / 8, bit % 8);
            try (ShardedWal wal = ShardedWal.open(options(image)))
            {
                final RecoveryReport report = wal.recoveryReport();
                assertEquals(1, report.repairs().size(), "bit " + bit + ": " + report.summary());
                assertEquals(position, report.repairs().getFirst().position(), "bit " + bit);
                final Map<Long, Records.WalRecordCopy> found = Records.readAll(wal);
                assertFalse(found.containsKey(victim.address()), "bit " + bit + ": the damaged record is dropped");
                Records.assertAllPresent(others, found);
                assertEquals(others.size(), found.size(), "bit " + bit);
            }
        }
    }

    @Test
    void shouldRepairAZeroGapLeftByAWriterThatStoppedRightAfterItsClaim()
    {
        final Path pristine = dir.resolve("pristine");
        final List<Records.Ack> acks = writeAndClose(pristine, 10);
        final Records.Ack gone = acks.get(4);
        final Path image = CrashImages.copy(pristine, dir.resolve("gap"));
        CrashImages.markCrashed(image, true);
        final long position = RecordAddress.position(gone.address());
        CrashImages.zero(CrashImages.segmentFile(image, 0, 0), CrashImages.fileOffset(position, SEGMENT),
            FrameDescriptor.align(frameLength(gone)));
        try (ShardedWal wal = ShardedWal.open(options(image)))
        {
            final RecoveryReport report = wal.recoveryReport();
            assertEquals(1, report.repairs().size(), report.summary());
            assertEquals("ZERO_GAP", report.repairs().getFirst().kind());
            final List<Records.Ack> rest = new ArrayList<>(acks);
            rest.remove(4);
            Records.assertAllPresent(rest, Records.readAll(wal));
        }
    }

    @Test
    void shouldDropABatchWholeWhenOneOfItsRecordsIsTorn()
    {
        final Path log = dir.resolve("log");
        final long[] addresses = new long[5];
        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            wal.append(new byte[] {1}, new byte[] {1});
            final WalBatch batch = wal.newBatch();
            for (int i = 0; i < 5; i++)
            {
                batch.add(Records.key(1, i, 9), Records.value(1, i, 10));
            }
            wal.appendBatch(batch);
            for (int i = 0; i < 5; i++)
            {
                addresses[i] = batch.address(i);
            }
            wal.append(new byte[] {2}, new byte[] {2});
        }
        final Path image = CrashImages.copy(log, dir.resolve("image"));
        CrashImages.markCrashed(image, false);
        CrashImages.flipBit(CrashImages.segmentFile(image, 0, 0),
            CrashImages.fileOffset(RecordAddress.position(addresses[3]), SEGMENT) + 20, 2);
        try (ShardedWal wal = ShardedWal.open(options(image)))
        {
            assertEquals("POSSIBLE_OS_CRASH", wal.recoveryReport().previousStop());
            assertEquals("TORN_BATCH", wal.recoveryReport().repairs().getFirst().kind());
            final Map<Long, Records.WalRecordCopy> found = Records.readAll(wal);
            assertEquals(2, found.size(), "the records around the batch survive, none of the batch");
            for (final long address : addresses)
            {
                assertFalse(found.containsKey(address));
            }
        }
    }

    @Test
    void shouldFindRecordsPastAStaleTailCounterAfterAnOperatingSystemCrash()
    {
        final Path pristine = dir.resolve("pristine");
        final List<Records.Ack> acks = writeAndClose(pristine, 20);
        final Path image = CrashImages.copy(pristine, dir.resolve("stale"));
        CrashImages.markCrashed(image, false);
        CrashImages.setTail(CrashImages.segmentFile(image, 0, 0), 64);
        try (ShardedWal wal = ShardedWal.open(options(image)))
        {
            assertEquals("POSSIBLE_OS_CRASH", wal.recoveryReport().previousStop());
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            assertAllKeptAndAppendsFollow(wal, acks);
        }
    }

    /**
     * The tail counter lies outside the header's checksum: damaged after a clean stop (here below the latest
     * checkpoint's position, or negative), it must not turn the checkpoint into one "past the end of its records"
     * and refuse an intact log. The frames reach the checkpoint, so recovery goes on from it and keeps every record.
     */
    @Test
    void shouldRecoverFromTheLatestCheckpointWhenItsSegmentsTailCounterIsDamaged()
    {
        final Path pristine = dir.resolve("pristine");
        final List<Records.Ack> acks = new ArrayList<>();
        try (ShardedWal wal = ShardedWal.open(options(pristine)))
        {
            for (int i = 0; i < 20; i++)
            {
                acks.add(new Records.Ack(wal.append(Records.key(0, i, 3), Records.value(0, i, 0)),
                    Records.key(0, i, 3), Records.value(0, i, 0)));
            }
            assertTrue(wal.createCheckpoint("c").position(0) > 64);
            acks.add(new Records.Ack(wal.append(Records.key(0, 20, 3), Records.value(0, 20, 0)),
                Records.key(0, 20, 3), Records.value(0, 20, 0)));
        }
        for (final long tail : new long[] {64, -9066372494583119752L})
        {
            final Path image = CrashImages.copy(pristine, dir.resolve("tail-" + tail));
            CrashImages.setTail(CrashImages.segmentFile(image, 0, 0), tail);
            try (ShardedWal wal = ShardedWal.open(options(image)))
            {
                assertAllKeptAndAppendsFollow(wal, acks);
            }
        }
    }

    /**
     * Damage past the tail of a cleanly closed log's newest segment is not read by the open, which trusts the tail
     * counter. Appends then run up to it: the committed frontier must stop where the claims end instead of taking the
     * damaged bytes for a committed frame, or a checkpoint would record a position past the records and readers would
     * be sent into the damage. The next open reads on from that checkpoint and reports the damage.
     */
    @Test
    void shouldNotCommitDamageThatLiesPastTheTailOnceAppendsReachIt()
    {
        final Path log = dir.resolve("log");
        final List<Records.Ack> acks = writeAndClose(log, 10);
        final long end = RecordAddress.position(acks.getLast().address()) + frameLength(acks.getLast());
        final long damaged = FrameDescriptor.align(end) + 8 * 64;
        // A positive length and a DATA header word: what a committed frame of 64 bytes starts with
        CrashImages.write(CrashImages.segmentFile(log, 0, 0), CrashImages.fileOffset(damaged, SEGMENT),
            java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(64).putInt(0x1234)
                .putInt(FrameDescriptor.headerWord(FrameDescriptor.TYPE_DATA, 1)).array());
        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            long next = 0;
            while (next < damaged)
            {
                final long position = RecordAddress.position(wal.append(new byte[] {1}, new byte[51]));
                acks.add(new Records.Ack(RecordAddress.of(0, position), new byte[] {1}, new byte[51]));
                next = position + 64;
            }
            assertEquals(damaged, next, "the appends end where the damage starts");
            assertEquals(damaged, wal.committedPosition(0));
            assertEquals(damaged, wal.createCheckpoint("c").position(0));
            Records.assertAllPresent(acks, Records.readAll(wal));
        }
        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            final RecoveryReport report = wal.recoveryReport();
            assertEquals(1, report.repairs().size(), report.summary());
            assertEquals("TORN_TAIL", report.repairs().getFirst().kind());
            assertEquals(damaged, report.repairs().getFirst().position());
            Records.assertAllPresent(acks, Records.readAll(wal));
        }
    }

    /**
     * After a clean close, a power loss may leave the newest segment's header page (its tail counter) older than
     * its msynced data. Recovery must not take such a segment for an empty one and append over it.
     */
    @Test
    void shouldKeepAcknowledgedRecordsWhenTheNewestSegmentHeaderMissedTheDisk() throws IOException
    {
        for (final boolean emptyLock : new boolean[] {false, true})
        {
            final Path log = dir.resolve("stale-header-" + emptyLock);
            final WalOptions strict = options(log).toBuilder().syncMode(SyncMode.STRICT).prepareAhead(1).build();
            final List<Records.Ack> acks = new ArrayList<>();
            try (ShardedWal wal = ShardedWal.open(strict))
            {
                for (int i = 0; i < 700; i++)
                {
                    final byte[] key = Records.key(0, i, 7);
                    final byte[] value = Records.value(0, i, 40);
                    acks.add(new Records.Ack(wal.append(key, value), key, value));
                }
            }
            final long newest = RecordAddress.position(acks.getLast().address());
            CrashImages.setTail(CrashImages.segmentFile(log, 0, newest - newest % SEGMENT), 0);
            if (emptyLock)
            {
                Files.write(log.resolve(WalLock.FILE_NAME), new byte[0]);
            }
            try (ShardedWal wal = ShardedWal.open(strict))
            {
                for (int i = 700; i < 900; i++)
                {
                    final byte[] key = Records.key(0, i, 7);
                    final byte[] value = Records.value(0, i, 40);
                    acks.add(new Records.Ack(wal.append(key, value), key, value));
                }
            }
            try (ShardedWal wal = ShardedWal.open(strict))
            {
                final Map<Long, Records.WalRecordCopy> found = Records.readAll(wal);
                Records.assertAllPresent(acks, found);
                assertEquals(acks.size(), found.size(), "empty LOCK " + emptyLock);
            }
        }
    }

    /**
     * Damage that zeroes both the newest segment's tail counter and the start of its first frame must not make the
     * segment look empty or fresh: the loss is reported and the frames after it are kept, whether the writer rolled
     * into the segment (the one before it carries the mark) or it is the shard's first.
     */
    @Test
    void shouldReportAZeroedFirstFrameOfTheNewestSegmentWhoseTailCounterIsGone()
    {
        for (final int count : new int[] {20, 400})
        {
            final Path pristine = dir.resolve("pristine-" + count);
            final List<Records.Ack> acks = writeAndClose(pristine, count);
            final long newest = RecordAddress.position(acks.getLast().address());
            final long base = newest - newest % SEGMENT;
            assertEquals(count == 400, base > 0, "400 records roll into a second segment, 20 do not");
            final Path image = CrashImages.copy(pristine, dir.resolve("zeroed-" + count));
            final Path segment = CrashImages.segmentFile(image, 0, base);
            CrashImages.setTail(segment, 0);
            CrashImages.zero(segment, CrashImages.fileOffset(base, SEGMENT), 16);
            final List<Records.Ack> kept = acks.stream()
                .filter(a -> RecordAddress.position(a.address()) != base).toList();
            assertEquals(acks.size() - 1, kept.size());
            try (ShardedWal wal = ShardedWal.open(options(image)))
            {
                final RecoveryReport report = wal.recoveryReport();
                assertFalse(report.clean(), report.summary());
                assertEquals(base, report.repairs().getFirst().position(), report.summary());
                final Map<Long, Records.WalRecordCopy> found = Records.readAll(wal);
                Records.assertAllPresent(kept, found);
                assertEquals(kept.size(), found.size(), "the damaged record is not delivered");
                assertAllKeptAndAppendsFollow(wal, kept);
            }
        }
    }

    /**
     * The same damage over all of a larger segment's first {@value SegmentScanner#PROBE_BYTES} bytes: only the mark of
     * the segment before it tells that the writer used it, and recovery then reads the whole segment.
     */
    @Test
    void shouldReadAllOfARolledIntoSegmentWhoseTailCounterAndFirstBytesAreGone()
    {
        final long segmentSize = 4L * SegmentScanner.PROBE_BYTES;
        final WalOptions large = options(dir.resolve("pristine")).toBuilder().segmentSize(segmentSize).build();
        final List<Records.Ack> acks = Records.writeAndClose(large, 8_500);
        final long newest = RecordAddress.position(acks.getLast().address());
        final long base = newest - newest % segmentSize;
        assertTrue(base > 0 && newest - base > 2L * SegmentScanner.PROBE_BYTES, "the records reach well into a second "
            + "segment: " + newest);
        final Path image = CrashImages.copy(large.directory(), dir.resolve("zeroed"));
        final Path segment = CrashImages.segmentFile(image, 0, base);
        CrashImages.setTail(segment, 0);
        CrashImages.zero(segment, CrashImages.fileOffset(base, segmentSize), SegmentScanner.PROBE_BYTES);
        final long lostEnd = base + SegmentScanner.PROBE_BYTES;
        final List<Records.Ack> kept = acks.stream()
            .filter(a -> RecordAddress.position(a.address()) < base || RecordAddress.position(a.address()) >= lostEnd)
            .toList();
        try (ShardedWal wal = ShardedWal.open(options(image).toBuilder().segmentSize(segmentSize).build()))
        {
            final RecoveryReport report = wal.recoveryReport();
            assertEquals(base, report.repairs().getFirst().position(), report.summary());
            final Map<Long, Records.WalRecordCopy> found = Records.readAll(wal);
            Records.assertAllPresent(kept, found);
            assertEquals(kept.size(), found.size(), "the records on the zeroed bytes are not delivered");
        }
    }

    @Test
    void shouldReportAndDeleteAnInterruptedSegmentCreation() throws IOException
    {
        final Path pristine = dir.resolve("pristine");
        writeAndClose(pristine, 3);
        final Path leftover = ShardedWal.shardDirectory(pristine, 0).resolve(ShardSegments.fileName(SEGMENT)
            + io.shardwal.mmap.MappedSegment.CREATING_SUFFIX);
        Files.write(leftover, new byte[100]);
        try (ShardedWal wal = ShardedWal.open(options(pristine)))
        {
            assertEquals("INTERRUPTED_CREATION", wal.recoveryReport().repairs().getFirst().kind());
            assertFalse(Files.exists(leftover));
        }
    }

    @Test
    void shouldKeepAClosedLogCleanWhenAnOpenFailsBeforeRecovery() throws IOException
    {
        final Path log = dir.resolve("log");
        writeAndClose(log, 1000);
        final Path middle = CrashImages.segmentFile(log, 0, SEGMENT);
        final Path aside = dir.resolve("aside.wal");
        Files.move(middle, aside);
        assertThrows(ShardwalException.class, () -> ShardedWal.open(options(log)));
        Files.move(aside, middle);
        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            assertEquals("CLEAN", wal.recoveryReport().previousStop(), "a failed open is not a crash");
        }
    }

    @Test
    void shouldStillTreatAPossibleOsCrashAsOneAfterAFailedRecovery() throws IOException
    {
        final Path log = dir.resolve("log");
        writeAndClose(log, 1000);
        CrashImages.markCrashed(log, false);
        final Path middle = CrashImages.segmentFile(log, 0, SEGMENT);
        final Path aside = dir.resolve("aside.wal");
        Files.move(middle, aside);
        assertThrows(ShardwalException.class, () -> ShardedWal.open(options(log)));
        assertEquals("recovering", WalLock.fields(log).get("state"), "a process killed now leaves the same mark");
        Files.move(aside, middle);
        try (ShardedWal wal = ShardedWal.open(options(log)))
        {
            assertEquals("POSSIBLE_OS_CRASH", wal.recoveryReport().previousStop(),
                "the failed open did not turn the OS crash into a process crash (whose tail counters it would trust)");
            assertEquals("open", WalLock.fields(log).get("state"), "recovered: a later crash is this writer's");
        }
    }

    @Test
    void shouldRefuseASegmentFileOfAnotherShardNamingBoth() throws IOException
    {
        final Path log = dir.resolve("log");
        final WalOptions twoShards = WalOptions.builder(log).shardCount(2).segmentSize(SEGMENT)
            .syncMode(SyncMode.ASYNC).prepareAhead(0).build();
        try (ShardedWal wal = ShardedWal.open(twoShards))
        {
            for (int i = 0; i < 20; i++)
            {
                wal.append(Records.key(0, i, 3), Records.value(0, i, 40));
            }
        }
        final Path ofShard1 = CrashImages.segmentFile(log, 1, 0);
        Files.copy(ofShard1, CrashImages.segmentFile(log, 0, 0), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        final ShardwalException e = assertThrows(ShardwalException.class, () -> ShardedWal.open(twoShards));
        assertEquals(ShardwalException.Category.CORRUPT, e.category());
        assertTrue(e.getMessage().contains("shard 1 but"), e.getMessage());
        assertTrue(e.getMessage().contains("and shard 0"), e.getMessage());
        assertTrue(e.getMessage().contains(CrashImages.segmentFile(log, 0, 0).toString()), e.getMessage());
    }

    @Test
    void shouldRefuseALogWithAMissingSegmentInTheMiddleNamingIt() throws IOException
    {
        final Path log = dir.resolve("log");
        writeAndClose(log, 1000);
        final Path missing = CrashImages.segmentFile(log, 0, SEGMENT);
        Files.delete(missing);
        final ShardwalException e = assertThrows(ShardwalException.class, () -> ShardedWal.open(options(log)));
        assertEquals(ShardwalException.Category.CORRUPT, e.category());
        assertTrue(e.getMessage().contains(ShardSegments.fileName(SEGMENT)), e.getMessage());
        assertTrue(e.getMessage().contains("shard 0"), e.getMessage());
    }

    /** Every acknowledged record reads back, and the next append lands after the last of them. */
    private static void assertAllKeptAndAppendsFollow(final ShardedWal wal, final List<Records.Ack> acks)
    {
        Records.assertAllPresent(acks, Records.readAll(wal));
        final long next = RecordAddress.position(wal.append(new byte[] {1}, new byte[] {1}));
        assertTrue(next > RecordAddress.position(acks.getLast().address()), "appends go after the records");
    }
}
