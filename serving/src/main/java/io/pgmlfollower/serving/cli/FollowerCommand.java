package io.pgmlfollower.serving.cli;

import io.pgmlfollower.serving.Version;
import io.pgmlfollower.serving.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code pgml-follower}: the top-level command and its subcommands. */
@Command(
    name = "pgml-follower",
    mixinStandardHelpOptions = true,
    versionProvider = FollowerCommand.VersionProvider.class,
    description = "Train models and serve predictions with SQL next to a replicated PostgreSQL.",
    subcommands = {
      RunCommand.class,
      DemoCommand.class,
      CheckSourceCommand.class,
      VersionCommand.class
    })
public final class FollowerCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  public static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new FollowerCommand());
    commandLine.setExecutionExceptionHandler(
        (exception, cmd, parseResult) -> {
          if (exception instanceof ConfigException) {
            cmd.getErr().println("pgml-follower: configuration error: " + exception.getMessage());
            return 2;
          }
          cmd.getErr().println("pgml-follower: " + exception.getMessage());
          org.slf4j.LoggerFactory.getLogger(FollowerCommand.class).error("failed", exception);
          return 1;
        });
    return commandLine;
  }

  /** Whether the command runs a service that outlives {@code main} (its threads keep the JVM). */
  public static boolean keepsRunning(String[] args) {
    return args.length > 0 && (args[0].equals("run") || args[0].equals("demo"));
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"pgml-follower " + Version.current()};
    }
  }
}
