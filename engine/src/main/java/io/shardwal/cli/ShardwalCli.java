package io.shardwal.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.file.FileSystemException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import io.shardwal.mmap.ShardwalException;
import io.shardwal.wal.WalOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code shardwal}: the command-line tool for shardwal logs. {@link #main} runs it for a shell (the launcher
 * script and {@code java -jar shardwal.jar}); {@link #execute} runs it in-process with given output streams, which
 * is how the tests drive it.
 *
 * <p>Exit codes: 0 success; 1 the data has problems; 2 bad arguments (usage is printed); 3 the command could not
 * run (missing or foreign directory, locked by a live writer, I/O error), printed as one line naming the file and
 * the cause; 141 the output was closed (a pipe to {@code head}), quietly. Stack traces only with
 * {@code --verbose}.
 */
@Command(name = "shardwal", mixinStandardHelpOptions = true, versionProvider = ShardwalCli.Version.class,
    description = {"Runs, inspects, verifies, dumps, tails and measures shardwal write-ahead logs.",
        "Start with: shardwal demo"},
    subcommands = {DemoCommand.class, InspectCommand.class, VerifyCommand.class, DumpCommand.class,
        TailCommand.class, StatsCommand.class, CheckpointCommand.class, CheckpointsCommand.class,
        PruneCommand.class, CompactCommand.class, CommandLine.HelpCommand.class},
    synopsisSubcommandLabel = "COMMAND",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:the data has problems (verify found damage, a record failed its check)",
        "2:bad arguments or usage (the usage is printed)",
        "3:the command could not run: missing or foreign directory, locked by a live writer, I/O error",
        "141:the output was closed (e.g. piped to head); nothing more is printed"},
    footer = {"", "See docs/CLI.md for every command with examples."})
public final class ShardwalCli implements Callable<Integer>
{
    /** Strong reference: the logging configuration lives as long as the class. */
    private static final Logger ENGINE_LOG = Logger.getLogger("io.shardwal");

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
        description = "Print stack traces of failures and the engine's log lines.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    private final boolean terminal;

    ShardwalCli(final boolean terminal)
    {
        this.terminal = terminal;
    }

    public static void main(final String[] args)
    {
        final Charset charset = System.console() != null ? System.console().charset() : Charset.defaultCharset();
        // Not System.out: a PrintStream swallows write errors, so a closed pipe would go unnoticed.
        final PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out),
            charset));
        final PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, charset), true);
        System.exit(execute(out, err, ProgressBar.redrawsInPlace(), args));
    }

    /**
     * Runs one command line.
     *
     * @param terminal whether {@code err} is a terminal (progress bars redraw in place) or a file or pipe (they
     *                 print an occasional plain line).
     * @return the exit code.
     */
    public static int execute(final PrintWriter out, final PrintWriter err, final boolean terminal,
        final String... args)
    {
        final CommandLine commandLine = commandLine(terminal);
        commandLine.setOut(out);
        commandLine.setErr(err);
        final boolean parents = ENGINE_LOG.getUseParentHandlers();
        final Handler handler = logTo(err, List.of(args).contains("--verbose"));
        try
        {
            return commandLine.execute(args);
        }
        finally
        {
            ENGINE_LOG.removeHandler(handler);
            ENGINE_LOG.setUseParentHandlers(parents);
            out.flush();
            err.flush();
        }
    }

    static CommandLine commandLine(final boolean terminal)
    {
        final CommandLine commandLine = new CommandLine(new ShardwalCli(terminal));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setUsageHelpAutoWidth(true);
        commandLine.setExecutionExceptionHandler(ShardwalCli::failed);
        commandLine.setParameterExceptionHandler(ShardwalCli::badArguments);
        return commandLine;
    }

    boolean terminal()
    {
        return terminal;
    }

    @Override
    public Integer call()
    {
        final PrintWriter err = spec.commandLine().getErr();
        err.println("shardwal: missing a command");
        spec.commandLine().usage(err);
        return CliFailure.USAGE;
    }

    /** Bad arguments: the problem, picocli's suggestions for a mistyped name, then the usage; exit code 2. */
    private static int badArguments(final CommandLine.ParameterException problem, final String[] args)
    {
        final CommandLine command = problem.getCommandLine();
        final PrintWriter err = command.getErr();
        err.println(command.getCommandSpec().qualifiedName() + ": " + problem.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(problem, err);
        command.usage(err);
        err.flush();
        return CliFailure.USAGE;
    }

    /** Turns what a command threw into one line on stderr and an exit code. */
    private static int failed(final Exception failure, final CommandLine command, final ParseResult parsed)
    {
        if (failure instanceof CliFailure cli && cli.exitCode() == CliFailure.OUTPUT_CLOSED)
        {
            return CliFailure.OUTPUT_CLOSED;
        }
        final int code;
        final String message;
        switch (failure)
        {
            case CliFailure cli ->
            {
                code = cli.exitCode();
                message = cli.getMessage();
            }
            case ShardwalException engine ->
            {
                code = engine.category() == ShardwalException.Category.CORRUPT ? CliFailure.DATA_PROBLEM
                    : CliFailure.CANNOT_RUN;
                message = LogDirectory.describe(engine)
                    + (code == CliFailure.DATA_PROBLEM ? " (run 'shardwal verify' on the log for every damaged frame)"
                    : "");
            }
            case IllegalArgumentException argument ->
            {
                code = CliFailure.USAGE;
                message = argument.getMessage() + " (see '" + command.getCommandSpec().qualifiedName()
                    + " --help')";
            }
            case IllegalStateException state ->
            {
                code = CliFailure.CANNOT_RUN; // the log's state forbids the command (e.g. a prune guard's owner)
                message = state.getMessage();
            }
            case UncheckedIOException io ->
            {
                code = CliFailure.CANNOT_RUN;
                message = describe(io.getCause());
            }
            case IOException io ->
            {
                code = CliFailure.CANNOT_RUN;
                message = describe(io);
            }
            default ->
            {
                code = CliFailure.CANNOT_RUN;
                message = "unexpected failure: " + failure;
            }
        }
        final PrintWriter err = command.getErr();
        err.println(command.getCommandSpec().qualifiedName() + ": " + message.replace('\n', ' '));
        if (isVerbose(parsed))
        {
            failure.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    private static String describe(final IOException e)
    {
        if (e instanceof FileSystemException file && file.getFile() != null)
        {
            return file.getFile() + ": " + (file.getReason() != null ? file.getReason()
                : e.getClass().getSimpleName());
        }
        return e.toString();
    }

    private static boolean isVerbose(final ParseResult parsed)
    {
        for (ParseResult level = parsed; level != null; level = level.subcommand())
        {
            if (level.hasMatchedOption("--verbose"))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Engine log lines as one plain line each on {@code err}: warnings, errors and progress lines (a long recovery or
     * replay), or all if verbose.
     */
    static Handler logTo(final PrintWriter err, final boolean verbose)
    {
        final Handler handler = new Handler()
        {
            @Override
            public void publish(final LogRecord record)
            {
                if (isLoggable(record) || WalOptions.PROGRESS_LOGGER.equals(record.getLoggerName()))
                {
                    err.println(record.getMessage());
                    err.flush();
                }
            }

            @Override
            public void flush()
            {
                err.flush();
            }

            @Override
            public void close()
            {
            }
        };
        handler.setLevel(verbose ? Level.ALL : Level.WARNING);
        ENGINE_LOG.setUseParentHandlers(false);
        ENGINE_LOG.addHandler(handler);
        return handler;
    }

    /** The version from the executable jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = ShardwalCli.class.getPackage().getImplementationVersion();
            return new String[] {"shardwal " + (version != null ? version : "(development build)"),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
