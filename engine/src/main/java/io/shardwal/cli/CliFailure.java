package io.shardwal.cli;

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

    int exitCode()
    {
        return exitCode;
    }
}
