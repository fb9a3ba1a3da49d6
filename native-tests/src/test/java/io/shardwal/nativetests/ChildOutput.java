package io.shardwal.nativetests;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * A child's stdout, unbuffered: every {@link #print} is one {@code write(2)} of whole lines, so what the parent
 * reads is exactly what was printed before a SIGKILL (a line is either complete or, if cut, discarded by the
 * parent). Thread-safe.
 */
final class ChildOutput
{
    private static final FileOutputStream OUT = new FileOutputStream(FileDescriptor.out);

    private ChildOutput()
    {
    }

    /** Writes {@code text}, which must end with a newline, in one write. */
    static void print(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        synchronized (OUT)
        {
            try
            {
                OUT.write(bytes);
            }
            catch (final IOException e)
            {
                // the parent is gone; nobody is left to tell
                Runtime.getRuntime().halt(4);
            }
        }
    }

    static void line(final String line)
    {
        print(line + "\n");
    }

    /** Reports an unexpected failure ({@code X ...}, stack trace on stderr) and halts the child with {@code code}. */
    static void fail(final String context, final Throwable failure, final int code)
    {
        final StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        System.err.println(trace);
        System.err.flush();
        line("X " + context + ": " + String.valueOf(failure).replace('\n', ' '));
        Runtime.getRuntime().halt(code);
    }
}
