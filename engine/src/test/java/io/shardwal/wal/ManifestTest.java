package io.shardwal.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import io.shardwal.mmap.ShardwalException;
import io.shardwal.route.RouterKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest
{
    @TempDir
    Path dir;

    @Test
    void shouldReadAndWriteTheGoldenManifestByteForByte() throws IOException
    {
        final byte[] golden;
        try (InputStream in = ManifestTest.class.getResourceAsStream("/golden/wal-v1.manifest"))
        {
            golden = in.readAllBytes();
        }
        Files.write(dir.resolve(Manifest.FILE_NAME), golden);
        final Manifest manifest = Manifest.read(dir);
        assertEquals(new Manifest(1, 16, RouterKind.JUMP, 7, 0, 67108864, "2026-01-01T00:00:00Z"), manifest);
        assertArrayEquals(golden, manifest.render().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldRefuseOtherSettingsNamingExpectedAndFoundAndTouchNothing() throws IOException
    {
        final Path log = dir.resolve("log");
        try (ShardedWal wal = ShardedWal.open(WalOptions.builder(log).shardCount(4).segmentSize(1 << 16).build()))
        {
            wal.append(new byte[] {1}, new byte[] {2});
        }
        final Map<String, Long> before = snapshot(log);
        final ShardwalException e = assertThrows(ShardwalException.class, () -> ShardedWal.open(
            WalOptions.builder(log).shardCount(8).segmentSize(1 << 17).router(RouterKind.MODULO).build()));
        assertEquals(ShardwalException.Category.MISMATCH, e.category());
        assertTrue(e.getMessage().contains("shard count: requested 8, the manifest says 4"), e.getMessage());
        assertTrue(e.getMessage().contains("segment size: requested 131072, the manifest says 65536"), e.getMessage());
        assertTrue(e.getMessage().contains("router: requested MODULO, the manifest says JUMP"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was touched"), e.getMessage());
        assertEquals(before, snapshot(log), "no file was created, changed or deleted");
    }

    @Test
    void shouldRejectADamagedManifest() throws IOException
    {
        final Path log = dir.resolve("log");
        ShardedWal.open(WalOptions.builder(log).shardCount(2).segmentSize(1 << 16).build()).close();
        final Path file = log.resolve(Manifest.FILE_NAME);
        final String text = Files.readString(file);
        Files.writeString(file, text.replace("shards=2", "shards=3"));
        final ShardwalException edited = assertThrows(ShardwalException.class, () -> ShardedWal.openReadOnly(log));
        assertEquals(ShardwalException.Category.CORRUPT, edited.category());
        assertTrue(edited.getMessage().contains("checksum mismatch"), edited.getMessage());
        assertEquals(file, edited.file());

        Files.writeString(file, "hello\n");
        assertTrue(assertThrows(ShardwalException.class, () -> Manifest.read(log)).getMessage().contains("crc32c"));
    }

    @Test
    void shouldRejectAManifestOfANewerFormat() throws IOException
    {
        final Manifest newer = new Manifest(2, 1, RouterKind.JUMP, 0, 0, 4096, "x");
        Files.writeString(dir.resolve(Manifest.FILE_NAME), newer.render().replace("format=1", "format=2"));
        final String text = Files.readString(dir.resolve(Manifest.FILE_NAME));
        final String body = text.substring(0, text.lastIndexOf("crc32c="));
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        Files.writeString(dir.resolve(Manifest.FILE_NAME), body + String.format("crc32c=%08x%n", crc.getValue()));
        final ShardwalException e = assertThrows(ShardwalException.class, () -> Manifest.read(dir));
        assertEquals(ShardwalException.Category.FORMAT, e.category());
        assertTrue(e.getMessage().contains("format 2"), e.getMessage());
    }

    @Test
    void shouldRefuseToCreateANewLogOverOneWhoseManifestIsMissing() throws IOException
    {
        final Path log = dir.resolve("log");
        ShardedWal.open(WalOptions.builder(log).shardCount(2).segmentSize(1 << 16).build()).close();
        Files.delete(log.resolve(Manifest.FILE_NAME));
        final ShardwalException e = assertThrows(ShardwalException.class,
            () -> ShardedWal.open(WalOptions.builder(log).shardCount(2).segmentSize(1 << 16).build()));
        assertTrue(e.getMessage().contains("manifest of an existing log is missing"), e.getMessage());
        final ShardwalException none = assertThrows(ShardwalException.class,
            () -> ShardedWal.open(WalOptions.builder(dir.resolve("nothing")).createIfMissing(false).build()));
        assertEquals(ShardwalException.Category.NOT_FOUND, none.category());
    }

    private static Map<String, Long> snapshot(final Path log) throws IOException
    {
        final Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(log))
        {
            for (final Path file : (Iterable<Path>)walk::iterator)
            {
                files.put(log.relativize(file).toString(), Files.isDirectory(file) ? -1
                    : Files.size(file) * 31 + java.util.Arrays.hashCode(Files.readAllBytes(file)));
            }
        }
        return files;
    }
}
