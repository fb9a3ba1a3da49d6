package io.shardwal.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes UTF-8 from a stream and refuses bytes that are not UTF-8 instead of replacing them with U+FFFD, as
 * {@link java.io.InputStreamReader} does. Unlike a reader over a reporting decoder, it first hands out every
 * character decoded before the bad bytes and reports them on the next read, so whoever counts lines and columns
 * (see {@link ExpositionLines}) knows exactly where they are.
 *
 * <p>Confined to one thread.
 */
final class StrictUtf8Reader extends Reader
{
    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer bytes = ByteBuffer.allocate(8192).flip();
    private CoderResult pending;
    private boolean endOfInput;
    private boolean flushed;

    StrictUtf8Reader(final InputStream in)
    {
        this.in = in;
    }

    @Override
    public int read(final char[] target, final int offset, final int length) throws IOException
    {
        if (length == 0)
        {
            return 0;
        }
        if (pending != null)
        {
            throw codingError();
        }
        final CharBuffer out = CharBuffer.wrap(target, offset, length);
        while (out.position() == offset)
        {
            if (flushed)
            {
                return -1;
            }
            final CoderResult result = decoder.decode(bytes, out, endOfInput);
            if (result.isError())
            {
                pending = result;
                if (out.position() == offset)
                {
                    throw codingError();
                }
                break;
            }
            if (result.isOverflow())
            {
                break;
            }
            if (endOfInput)
            {
                decoder.flush(out);
                flushed = true;
            }
            else
            {
                fill();
            }
        }
        return out.position() - offset;
    }

    /** Moves the undecoded bytes to the front and reads more behind them; notes the end of the input. */
    private void fill() throws IOException
    {
        bytes.compact();
        final int read = in.read(bytes.array(), bytes.position(), bytes.remaining());
        if (read < 0)
        {
            endOfInput = true;
        }
        else
        {
            bytes.position(bytes.position() + read);
        }
        bytes.flip();
    }

    private CharacterCodingException codingError()
    {
        final StringBuilder shown = new StringBuilder();
        for (int i = 0; i < pending.length(); i++)
        {
            shown.append(i == 0 ? "" : " ").append(String.format("0x%02X", bytes.get(bytes.position() + i) & 0xFF));
        }
        return new NotUtf8Exception((pending.isMalformed() ? "bytes that are not UTF-8: " : "unmappable bytes: ")
            + shown);
    }

    @Override
    public void close() throws IOException
    {
        in.close();
    }

    /** The bytes at the current position are not UTF-8; the message shows them. */
    static final class NotUtf8Exception extends CharacterCodingException
    {
        private static final long serialVersionUID = 1L;

        private final String message;

        NotUtf8Exception(final String message)
        {
            this.message = message;
        }

        @Override
        public String getMessage()
        {
            return message;
        }
    }
}
