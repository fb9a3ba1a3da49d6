package io.shardwal.wal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The record in the {@code LOCK} file: the writer's pid, boot id, start time and state, as {@code key=value} lines
 * (readable with {@code cat}, and by shardwal versions that wrote plain text), in a record of fixed length with a
 * checksum, so that a reader tells a record the writer is rewriting right now (a torn read) from a whole one.
 *
 * <pre>
 *   0       7               15                       127 128                                                   511
 *  +-------+---------------+-------------------------+--+-----------------------------------------------------+--+
 *  |crc32c=| 8 hex digits  | spaces                  |\n| pid=..\n boot=..\n started=..\n state=..\n  spaces  |\n|
 *  +-------+---------------+-------------------------+--+-----------------------------------------------------+--+
 *                          |<------------------ CRC32C over bytes [15, 512) ------------------------------------->|
 * </pre>
 *
 * The writer replaces the whole record with one positional write at offset 0; the file never changes length once
 * it holds a record, so a read sees the old record, the new one, or a mix of both, which fails the checksum.
 *
 * <p><b>Text of earlier versions.</b> Before this record, {@code LOCK} held the same lines alone, rewritten in place
 * and then cut to length. Such a text is still read ({@link #decode}), but only whole: the four known keys, each
 * once, a known state, a final newline, no other line. A read that mixes such a text's start with the bytes of the
 * record replacing it ends in the record's spaces (no such text, at most ~110 bytes, reaches past byte 127) or holds
 * its lines of spaces, and is refused as torn too.
 */
final class LockFileDescriptor
{
    static final int RECORD_LENGTH = 512;
    static final String CHECKSUM_KEY = "crc32c=";
    static final int CHECKSUM_OFFSET = CHECKSUM_KEY.length();
    static final int CHECKSUM_DIGITS = 8;
    static final int CHECKSUMMED_OFFSET = CHECKSUM_OFFSET + CHECKSUM_DIGITS;
    static final int FIELDS_OFFSET = 128;
    static final Set<String> KEYS = Set.of("pid", "boot", "started", "state");
    static final Set<String> STATES = Set.of("open", "closed", "creating", "recovering");

    private static final byte[] CHECKSUM_KEY_BYTES = CHECKSUM_KEY.getBytes(StandardCharsets.US_ASCII);

    private LockFileDescriptor()
    {
    }

    /** The record for {@code fields} (known keys, in the order given; values without line breaks). */
    static byte[] encode(final Map<String, String> fields)
    {
        final StringBuilder text = new StringBuilder();
        fields.forEach((key, value) ->
        {
            if (!KEYS.contains(key) || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0)
            {
                throw new IllegalArgumentException("not a LOCK field: " + key + "=" + value);
            }
            text.append(key).append('=').append(value).append('\n');
        });
        final byte[] content = text.toString().getBytes(StandardCharsets.UTF_8);
        if (content.length > RECORD_LENGTH - FIELDS_OFFSET - 1)
        {
            throw new IllegalArgumentException("LOCK fields do not fit in " + RECORD_LENGTH + " bytes: " + fields);
        }
        final byte[] record = new byte[RECORD_LENGTH];
        Arrays.fill(record, (byte)' ');
        System.arraycopy(CHECKSUM_KEY_BYTES, 0, record, 0, CHECKSUM_OFFSET);
        record[FIELDS_OFFSET - 1] = '\n';
        System.arraycopy(content, 0, record, FIELDS_OFFSET, content.length);
        record[RECORD_LENGTH - 1] = '\n';
        final byte[] digits = HexFormat.of().toHexDigits(checksum(record)).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, record, CHECKSUM_OFFSET, CHECKSUM_DIGITS);
        return record;
    }

    /**
     * The fields of {@code LOCK}'s bytes: of a record whose checksum holds, of an earlier version's text that is
     * well formed, or none for an empty file; null for anything else: a read torn by a rewrite, or damage.
     */
    static Map<String, String> decode(final byte[] bytes)
    {
        if (bytes.length == 0)
        {
            return Map.of();
        }
        if (isRecord(bytes))
        {
            return bytes.length == RECORD_LENGTH && checksumHolds(bytes)
                ? parse(new String(bytes, FIELDS_OFFSET, RECORD_LENGTH - FIELDS_OFFSET, StandardCharsets.UTF_8))
                : null;
        }
        final String text = new String(bytes, StandardCharsets.UTF_8);
        return text.contains(CHECKSUM_KEY) ? null : parseEarlierText(text);
    }

    /**
     * The fields of bytes that {@link #decode} refused and that stayed so (not a rewrite seen half way): an earlier
     * version's text is read leniently, as those versions did (a crash between their write and cut left a mix
     * whose state line is still the old one); a damaged record has none.
     */
    static Map<String, String> decodeDamaged(final byte[] bytes)
    {
        return isRecord(bytes) ? Map.of() : parse(new String(bytes, StandardCharsets.UTF_8));
    }

    /** Whether {@code bytes} start like a record (rather than an earlier version's text). */
    static boolean isRecord(final byte[] bytes)
    {
        return bytes.length >= CHECKSUM_OFFSET
            && Arrays.equals(bytes, 0, CHECKSUM_OFFSET, CHECKSUM_KEY_BYTES, 0, CHECKSUM_OFFSET);
    }

    private static boolean checksumHolds(final byte[] record)
    {
        final String digits = new String(record, CHECKSUM_OFFSET, CHECKSUM_DIGITS, StandardCharsets.US_ASCII);
        for (int i = 0; i < digits.length(); i++)
        {
            if (Character.digit(digits.charAt(i), 16) < 0)
            {
                return false;
            }
        }
        return HexFormat.fromHexDigits(digits) == checksum(record);
    }

    private static int checksum(final byte[] record)
    {
        final CRC32C crc = new CRC32C();
        crc.update(record, CHECKSUMMED_OFFSET, RECORD_LENGTH - CHECKSUMMED_OFFSET);
        return (int)crc.getValue();
    }

    /** An earlier version's text, only if whole: known keys each once, a known state, and the final newline. */
    private static Map<String, String> parseEarlierText(final String text)
    {
        if (!text.endsWith("\n"))
        {
            return null;
        }
        final Map<String, String> fields = new LinkedHashMap<>();
        for (final String line : text.substring(0, text.length() - 1).split("\n", -1))
        {
            final int equals = line.indexOf('=');
            if (equals <= 0 || !KEYS.contains(line.substring(0, equals))
                || fields.put(line.substring(0, equals), line.substring(equals + 1)) != null)
            {
                return null;
            }
        }
        final String state = fields.get("state");
        return state != null && STATES.contains(state) ? Collections.unmodifiableMap(fields) : null;
    }

    /** {@code key=value} lines; others (padding, blank) are skipped and a repeated key keeps its last value. */
    static Map<String, String> parse(final String text)
    {
        final Map<String, String> fields = new LinkedHashMap<>();
        for (final String line : text.split("\n"))
        {
            final int equals = line.indexOf('=');
            if (equals > 0)
            {
                fields.put(line.substring(0, equals).strip(), line.substring(equals + 1).strip());
            }
        }
        return Collections.unmodifiableMap(fields);
    }
}
