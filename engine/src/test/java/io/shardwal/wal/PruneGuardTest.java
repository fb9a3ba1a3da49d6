package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import io.shardwal.mmap.ShardwalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A log whose owner asked that its segments be deleted only through it. */
class PruneGuardTest
{
    private static final byte[] CHECKPOINT = "c1".getBytes(StandardCharsets.UTF_8);
    private static final String HOW = "prune through the owner";

    @TempDir
    Path dir;

    private ShardedWal openWal()
    {
        return ShardedWal.open(WalOptions.builder(dir).shardCount(2).segmentSize(4096).syncMode(SyncMode.ASYNC)
            .build());
    }

    /** Several segments per shard below checkpoint c1, and some above it. */
    private static void fill(final ShardedWal wal)
    {
        for (int i = 0; i < 400; i++)
        {
            if (i == 300)
            {
                wal.createCheckpoint(CHECKPOINT);
            }
            wal.append(("key-" + i).getBytes(StandardCharsets.UTF_8), new byte[64]);
        }
    }

    @Test
    void shouldRefusePlainPrunesOfAGuardedLogAndLetItsOwnerPrune()
    {
        try (ShardedWal wal = openWal())
        {
            fill(wal);
            assertEquals(new PruneGuard("owner-1", HOW), PruneGuard.install(wal, "owner-1", HOW));
            final long first = wal.firstPosition(0);

            final IllegalStateException plain = assertThrows(IllegalStateException.class,
                () -> wal.pruneBefore(CHECKPOINT));
            assertEquals("the log in " + dir + " is guarded against plain prunes by its owner \"owner-1\" ("
                + dir.resolve(PruneGuard.FILE_NAME) + "): " + HOW + "; nothing was deleted", plain.getMessage());
            final IllegalStateException other = assertThrows(IllegalStateException.class,
                () -> wal.pruneBefore(CHECKPOINT, "owner-2"));
            assertTrue(other.getMessage().contains("guarded against prunes by \"owner-2\" by its owner \"owner-1\""),
                other.getMessage());
            assertEquals(first, wal.firstPosition(0), "nothing was deleted");

            assertTrue(wal.pruneBefore(CHECKPOINT, "owner-1").segments() >= 2, "the owner prunes");
            assertTrue(wal.firstPosition(0) > first);
        }
    }

    @Test
    void shouldKeepTheGuardAcrossOpensAndRefuseASecondOwner() throws IOException
    {
        try (ShardedWal wal = openWal())
        {
            PruneGuard.install(wal, "owner-1", HOW);
        }
        final byte[] written = Files.readAllBytes(dir.resolve(PruneGuard.FILE_NAME));
        try (ShardedWal wal = openWal())
        {
            fill(wal);
            assertEquals(Optional.of(new PruneGuard("owner-1", HOW)), PruneGuard.read(dir));
            assertThrows(IllegalStateException.class, () -> wal.pruneBefore(CHECKPOINT));
            // installing again for the same owner keeps the guard as it is, whatever the instruction
            assertEquals(new PruneGuard("owner-1", HOW), PruneGuard.install(wal, "owner-1", "another text"));
            final IllegalStateException second = assertThrows(IllegalStateException.class,
                () -> PruneGuard.install(wal, "owner-2", HOW));
            assertEquals("cannot guard the log in " + dir + " for \"owner-2\": its owner is \"owner-1\" ("
                + dir.resolve(PruneGuard.FILE_NAME) + ")", second.getMessage());
        }
        assertEquals(new String(written, StandardCharsets.UTF_8),
            Files.readString(dir.resolve(PruneGuard.FILE_NAME)), "the file is unchanged");
        assertTrue(Files.notExists(dir.resolve(PruneGuard.FILE_NAME + ".tmp")));
    }

    @Test
    void shouldPruneAnUnguardedLogAsBefore()
    {
        try (ShardedWal wal = openWal())
        {
            fill(wal);
            assertEquals(Optional.empty(), PruneGuard.read(dir));
            assertTrue(wal.pruneBefore(CHECKPOINT).segments() >= 2);
        }
    }

    @Test
    void shouldRefuseBadOwnersAndInstructions()
    {
        for (final String owner : new String[] {"", "Ingest", "1st", "a b", "a".repeat(65), "own=er"})
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PruneGuard(owner, HOW), owner);
            assertTrue(e.getMessage().startsWith("a prune guard's owner is 1-64 characters"), e.getMessage());
        }
        for (final String instruction : new String[] {"", "  ", "two\nlines", "x".repeat(1_001), "tab\there"})
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PruneGuard("owner", instruction), instruction);
            assertTrue(e.getMessage().startsWith("a prune guard's instruction is one line"), e.getMessage());
        }
        assertEquals("a".repeat(64), new PruneGuard("a".repeat(64), "x".repeat(1_000)).owner());
    }

    @Test
    void shouldRefuseToGuardAReadOnlyView()
    {
        try (ShardedWal wal = openWal(); ShardedWal reader = ShardedWal.openReadOnly(dir))
        {
            assertTrue(!wal.isReadOnly() && reader.isReadOnly());
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PruneGuard.install(reader, "owner", HOW));
            assertTrue(e.getMessage().endsWith("it is open read-only"), e.getMessage());
            assertEquals(Optional.empty(), PruneGuard.read(dir));
        }
    }

    @Test
    void shouldRefuseToPruneUnderAnUnreadableGuardNamingTheFile() throws IOException
    {
        final String header = "# shardwal prune guard\n";
        final Object[][] cases = {
            {new byte[] {'o', 'w', 'n', 'e', 'r', '=', (byte)0xC3, 0x28}, ShardwalException.Category.CORRUPT,
                "it is not UTF-8 text"},
            {header + "instruction=x\n", ShardwalException.Category.CORRUPT, "it has no owner line"},
            {header + "owner=a\n", ShardwalException.Category.CORRUPT, "it has no instruction line"},
            {header + "owner=a\nowner=b\ninstruction=x\n", ShardwalException.Category.CORRUPT,
                "line 3 repeats the field owner"},
            {header + "owner=a\njunk\ninstruction=x\n", ShardwalException.Category.CORRUPT,
                "line 3 is not a comment or a field: \"junk\""},
            {header + "owner=Upper\ninstruction=x\n", ShardwalException.Category.CORRUPT,
                "a prune guard's owner is 1-64 characters"},
            {header + "owner=a\ninstruction=x\nexpires=never\n", ShardwalException.Category.FORMAT,
                "line 4 of the prune guard is not a field this version of shardwal knows: \"expires=never\""},
        };
        try (ShardedWal wal = openWal())
        {
            fill(wal);
            final long first = wal.firstPosition(0);
            for (final Object[] c : cases)
            {
                final byte[] bytes = c[0] instanceof String text ? text.getBytes(StandardCharsets.UTF_8) : (byte[])c[0];
                Files.write(dir.resolve(PruneGuard.FILE_NAME), bytes);
                for (final ShardwalException e : new ShardwalException[] {
                    assertThrows(ShardwalException.class, () -> PruneGuard.read(dir)),
                    assertThrows(ShardwalException.class, () -> wal.pruneBefore(CHECKPOINT)),
                    assertThrows(ShardwalException.class, () -> PruneGuard.install(wal, "a", HOW))})
                {
                    assertEquals(c[1], e.category(), e.getMessage());
                    assertEquals(dir.resolve(PruneGuard.FILE_NAME), e.file());
                    assertTrue(e.getMessage().contains((String)c[2]), e.getMessage());
                }
                assertEquals(first, wal.firstPosition(0), "nothing was deleted: " + c[2]);
            }
        }
    }
}
