package io.shardwal.cli;

import java.io.PrintWriter;

/**
 * A command that cannot go on, with the exit code and the one line to print (without the {@code shardwal <cmd>:}
 * prefix, which the CLI adds). Never carries a stack trace to the user unless {@code --verbose} is given.
 */
final class CliFailure extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** The data has problems ({@code verify} found damage, a record failed its check). */
    static final int DATA_PROBLEM = 1;
    /** Bad arguments or usage. */
    static final int USAGE = 2;
    /** The command could not run: missing or foreign directory, locked by a live writer, I/O error. */
    static final int CANNOT_RUN = 3;
    /**
     * Whoever read the output has gone (a pipe to {@code head} closed): 128 + SIGPIPE, what a shell reports for a
     * tool that a closed pipe ended. Nothing is printed.
     */
    static final int OUTPUT_CLOSED = 141;

    private final int exitCode;

    CliFailure(final int exitCode, final String message)
    {
        super(message);
        this.exitCode = exitCode;
    }

    CliFailure(final int exitCode, final String message, final Throwable cause)
    {
        super(message, cause);
        this.exitCode = exitCode;
    }

    static CliFailure cannotRun(final String message)
    {
        return new CliFailure(CANNOT_RUN, message);
    }

    static CliFailure cannotRun(final String message, final Throwable cause)
    {
        return new CliFailure(CANNOT_RUN, message, cause);
    }

    /**
     * Stops the command quietly if nobody reads {@code out} any more (flushes it to find out).
     *
     * @throws CliFailure OUTPUT_CLOSED.
     */
    static void checkOutput(final PrintWriter out)
    {
        if (out.checkError())
        {
            throw new CliFailure(OUTPUT_CLOSED, "the output was closed");
        }
    }

    int exitCode()
    {
        return exitCode;
    }
}
