package io.pgmlfollower.serving;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The follower as users run it: its own JVM running {@code Main run --config}, killable with
 * SIGKILL. Output goes to a log file whose tail explains any failure.
 */
final class FollowerProcess implements AutoCloseable {
  private final Path config;
  private final Path log;
  private final int adminPort;
  private final Map<String, String> environment;
  private Process process;

  FollowerProcess(Path config, Path log, int adminPort, Map<String, String> environment) {
    this.config = config;
    this.log = log;
    this.adminPort = adminPort;
    this.environment = Map.copyOf(environment);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  void start() throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    // The test JVM's classpath holds exactly the follower's runtime classpath plus test jars.
    String classpath = System.getProperty("java.class.path");
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Xmx768m",
                    "--enable-native-access=ALL-UNNAMED",
                    "-cp",
                    classpath,
                    Main.class.getName(),
                    "run",
                    "--config",
                    config.toString()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(environment);
    process = builder.start();
  }

  /** Waits until /health/ready answers 200, failing early if the process dies. */
  void awaitReady(Duration timeout) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/health/ready"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(
            "follower exited with " + process.exitValue() + "; log tail:\n" + logTail());
      }
      try {
        if (client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return;
        }
      } catch (IOException notListeningYet) {
        // the admin server is not up yet: poll again
      }
      Thread.sleep(100);
    }
    throw new AssertionError("follower not ready after " + timeout + "; log tail:\n" + logTail());
  }

  /** SIGKILL: no shutdown hook runs, exactly like a crash or the OOM killer. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** SIGTERM: the shutdown hook stops replication, the endpoint and the embedded PostgreSQL. */
  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
