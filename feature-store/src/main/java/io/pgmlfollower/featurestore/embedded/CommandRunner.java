package io.pgmlfollower.featurestore.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs the PostgreSQL command-line programs ({@code initdb}, {@code pg_ctl}) to completion. Never
 * used for the postmaster itself: {@code pg_ctl start -l} detaches it with its output in a log
 * file, so the pipe read here closes when {@code pg_ctl} exits.
 */
final class CommandRunner {
  private CommandRunner() {}

  /**
   * Runs the command, waiting at most {@code timeout}.
   *
   * @throws IOException when the command cannot be started or does not finish in time
   */
  static CommandResult run(List<String> command, Duration timeout) throws IOException {
    return run(command, Map.of(), timeout);
  }

  /**
   * Runs the command with {@code environment} set on top of this process's environment, waiting at
   * most {@code timeout}.
   *
   * @throws IOException when the command cannot be started or does not finish in time
   */
  static CommandResult run(List<String> command, Map<String, String> environment, Duration timeout)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    process.getOutputStream().close();
    CompletableFuture<String> output =
        CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IOException(
            "command did not finish within "
                + timeout.toSeconds()
                + " s: "
                + String.join(" ", command));
      }
      return new CommandResult(process.exitValue(), output.get());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + command.getFirst(), e);
    } catch (ExecutionException e) {
      throw new IOException("cannot read the output of " + command.getFirst(), e.getCause());
    }
  }

  private static String readAll(InputStream in) {
    try (in) {
      ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      in.transferTo(buffer);
      return buffer.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
