package io.pgmlfollower.serving;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.testing.PostgresFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL's own pgbench (https://www.postgresql.org/docs/current/pgbench.html) against a source
 * database, as the superuser: {@code -i} creates and fills the four TPC-B tables, a run applies the
 * built-in TPC-B-like script (an UPDATE of each of accounts, tellers and branches and an INSERT
 * into history per transaction). Output goes to a log file that failures quote.
 */
final class Pgbench {
  /** The client tools installed on the machine; pgbench 15 speaks to any newer server. */
  private static final String PGBENCH = "/usr/bin/pgbench";

  private static final Pattern PROCESSED =
      Pattern.compile("number of transactions actually processed: (\\d+)");

  private final PostgresFixture server;
  private final String database;
  private final Path log;

  Pgbench(PostgresFixture server, String database, Path log) {
    this.server = requireNonNull(server, "server is null");
    this.database = requireNonNull(database, "database is null");
    this.log = requireNonNull(log, "log is null");
  }

  /** {@code pgbench -i -s scale}: scale × 100,000 accounts, with primary keys. */
  void initialize(int scale) throws IOException, InterruptedException {
    run(List.of("-i", "-q", "-s", String.valueOf(scale)), Duration.ofMinutes(5));
  }

  /**
   * One TPC-B run of {@code duration} at full speed with {@code clients} connections; returns the
   * number of transactions committed.
   */
  long run(int clients, Duration duration) throws IOException, InterruptedException {
    String output =
        run(
            List.of(
                // -n: no VACUUM and, above all, no TRUNCATE of pgbench_history before the run, so
                // that the history keeps every transaction's row: a row applied twice shows.
                "-n",
                "-c",
                String.valueOf(clients),
                "-j",
                String.valueOf(clients),
                "-T",
                String.valueOf(duration.toSeconds())),
            duration.plusMinutes(2));
    Matcher matcher = PROCESSED.matcher(output);
    if (!matcher.find()) {
      throw new AssertionError("pgbench printed no transaction count:\n" + output);
    }
    return Long.parseLong(matcher.group(1));
  }

  private String run(List<String> arguments, Duration timeout)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(PGBENCH);
    command.addAll(
        List.of(
            "-h", server.host(), "-p", String.valueOf(server.port()), "-U", server.superuser()));
    command.addAll(arguments);
    command.add(database);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("PGPASSWORD", server.superuserPassword());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Files.writeString(
        log,
        String.join(" ", command) + "\n" + output,
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("pgbench did not finish within " + timeout + ":\n" + output);
    }
    if (process.exitValue() != 0) {
      throw new AssertionError(
          "pgbench " + arguments + " exited with " + process.exitValue() + ":\n" + output);
    }
    return output;
  }
}
