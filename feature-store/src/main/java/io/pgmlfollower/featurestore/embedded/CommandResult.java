package io.pgmlfollower.featurestore.embedded;

import static java.util.Objects.requireNonNull;

/** What a finished command printed (stdout and stderr merged) and its exit code. */
record CommandResult(int exitCode, String output) {
  CommandResult {
    requireNonNull(output, "output is null");
  }

  boolean succeeded() {
    return exitCode == 0;
  }
}
