package io.pgmlfollower.serving.cli;

import io.pgmlfollower.serving.Version;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code pgml-follower version}. */
@Command(name = "version", description = "Print the version.")
final class VersionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine()
        .getOut()
        .printf("pgml-follower %s (Java %s)%n", Version.current(), Runtime.version());
    return 0;
  }
}
