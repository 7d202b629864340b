package io.pgmlfollower.serving;

import io.pgmlfollower.serving.cli.FollowerCommand;

/** Entry point of {@code bin/pgml-follower}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int exitCode = FollowerCommand.commandLine().execute(args);
    if (exitCode != 0 || !FollowerCommand.keepsRunning(args)) {
      System.exit(exitCode);
    }
  }
}
