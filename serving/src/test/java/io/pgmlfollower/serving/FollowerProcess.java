package io.pgmlfollower.serving;

import io.pgmlfollower.testing.TestPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
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
  private long logOffsetAtStart;

  FollowerProcess(Path config, Path log, int adminPort, Map<String, String> environment) {
    this.config = config;
    this.log = log;
    this.adminPort = adminPort;
    this.environment = Map.copyOf(environment);
  }

  /**
   * A follower for a source role, configured the way a user would: a follower.yaml in {@code work}
   * with the passwords as ${ENV} references, free ports for the endpoint and the admin server.
   */
  static FollowerProcess forSource(
      Path work, io.pgmlfollower.testing.SourceRole role, String slot, String user, String password)
      throws IOException {
    return forSource(
        work,
        role,
        slot,
        user,
        password,
        java.util.Optional.empty(),
        java.util.OptionalInt.empty());
  }

  /** An offline store the follower does not own: {@code store.offline.type: external}. */
  record ExternalStore(String url, String user, String password) {}

  /**
   * As above, with the offline store in an external PostgreSQL when one is given, and reading large
   * tables over {@code snapshotConnections} source connections when given ({@code
   * source.snapshot-connections}; the default, one, when not).
   */
  static FollowerProcess forSource(
      Path work,
      io.pgmlfollower.testing.SourceRole role,
      String slot,
      String user,
      String password,
      java.util.Optional<ExternalStore> external,
      java.util.OptionalInt snapshotConnections)
      throws IOException {
    String source =
        """
        source:
          host: %s
          port: %d
          database: %s
          user: %s
          password: ${SOURCE_PASSWORD}
          sslmode: disable
          publication: %s
          slot: %s
        """
            .formatted(
                role.host(), role.port(), role.database(), role.user(), role.publication(), slot);
    if (snapshotConnections.isPresent()) {
      source += "  snapshot-connections: " + snapshotConnections.getAsInt() + "\n";
    }
    String offline =
        external
            .map(
                store ->
                    """
                      offline:
                        type: external
                        url: %s
                        user: %s
                        password: ${OFFLINE_PASSWORD}
                    """
                        .formatted(store.url(), store.user()))
            .orElse("");
    return configured(
        work,
        source,
        offline,
        user,
        Map.of(
            "SOURCE_PASSWORD",
            role.password(),
            "APP_PASSWORD",
            password,
            "OFFLINE_PASSWORD",
            external.map(ExternalStore::password).orElse("")));
  }

  /** A follower running Debezium Embedded on the role's source: {@code source.type: debezium}. */
  static FollowerProcess forDebezium(
      Path work, io.pgmlfollower.testing.SourceRole role, String slot, String user, String password)
      throws IOException {
    String source =
        """
        source:
          type: debezium
          name: orders
          host: %s
          port: %d
          database: %s
          user: %s
          password: ${SOURCE_PASSWORD}
          sslmode: disable
          publication: %s
          slot: %s
          debezium:
            heartbeat-interval-ms: 200
        """
            .formatted(
                role.host(), role.port(), role.database(), role.user(), role.publication(), slot);
    return configured(
        work,
        source,
        "",
        user,
        Map.of("SOURCE_PASSWORD", role.password(), "APP_PASSWORD", password));
  }

  /** A follower of Debezium's topics in Kafka: {@code source.type: kafka}. */
  static FollowerProcess forKafka(
      Path work, String bootstrapServers, String topicPrefix, String user, String password)
      throws IOException {
    String source =
        """
        source:
          type: kafka
          name: orders
          kafka:
            bootstrap-servers: %s
            topic-prefix: %s
            group-id: pgml-follower-test
        """
            .formatted(bootstrapServers, topicPrefix);
    return configured(work, source, "", user, Map.of("APP_PASSWORD", password));
  }

  /**
   * Writes follower.yaml in {@code work}: the source section as given, then the store (under {@code
   * work}, with {@code offline} lines if any), the endpoint with one user and the admin server, on
   * free ports.
   */
  private static FollowerProcess configured(
      Path work, String source, String offline, String user, Map<String, String> environment)
      throws IOException {
    int endpointPort = freePort();
    int adminPort = freePort();
    Path config = work.resolve("follower.yaml");
    Files.writeString(
        config,
        source
            + "store:\n"
            + "  path: "
            + work.resolve("store")
            + "\n"
            + offline
            + """
            serve:
              host: 127.0.0.1
              port: %d
              users:
                - name: %s
                  password: ${APP_PASSWORD}
            admin:
              port: %d
            """
                .formatted(endpointPort, user, adminPort),
        java.nio.charset.StandardCharsets.UTF_8);
    FollowerProcess process =
        new FollowerProcess(config, work.resolve("follower.log"), adminPort, environment);
    process.endpointPort = endpointPort;
    return process;
  }

  private int endpointPort;

  int endpointPort() {
    return endpointPort;
  }

  /** The work directory its follower.yaml is in. */
  Path work() {
    return config.getParent();
  }

  int adminPort() {
    return adminPort;
  }

  /** A free port below the kernel's ephemeral range: {@link TestPorts#belowEphemeralRange()}. */
  static int freePort() throws IOException {
    return TestPorts.belowEphemeralRange();
  }

  void start() throws IOException {
    logOffsetAtStart = Files.exists(log) ? Files.size(log) : 0;
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
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(
            "follower exited with " + process.exitValue() + "; log tail:\n" + logTail());
      }
      if (readyStatus() == 200) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("follower not ready after " + timeout + "; log tail:\n" + logTail());
  }

  /**
   * The HTTP status of {@code /health/ready} (200 ready, 503 not yet, e.g. while snapshotting), or
   * -1 while the admin endpoint does not answer.
   */
  int readyStatus() throws InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/health/ready"))
            .timeout(Duration.ofSeconds(2))
            .build();
    try (HttpClient client =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
      return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException notListeningYet) {
      return -1;
    }
  }

  /** Whether the current run (since the last {@link #start()}) logged a line containing text. */
  boolean loggedSinceStart(String text) throws IOException {
    return countLoggedSinceStart(text) > 0;
  }

  /** How many lines of the current run (since the last {@link #start()}) contain text. */
  long countLoggedSinceStart(String text) throws IOException {
    if (!Files.exists(log)) {
      return 0;
    }
    try (SeekableByteChannel channel = Files.newByteChannel(log)) {
      channel.position(logOffsetAtStart);
      byte[] bytes = Channels.newInputStream(channel).readAllBytes();
      return new String(bytes, StandardCharsets.UTF_8)
          .lines()
          .filter(l -> l.contains(text))
          .count();
    }
  }

  /** A condition a test polls for. */
  @FunctionalInterface
  interface Condition {
    boolean holds() throws Exception;
  }

  /**
   * Polls {@code condition} every 50 ms until it holds; fails after {@code timeout} with {@code
   * what} and this follower's log tail.
   */
  void awaitTrue(Condition condition, Duration timeout, String what) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "not within " + timeout + ": " + what + "; follower log tail:\n" + logTail());
      }
      Thread.sleep(50);
    }
  }

  /** SIGKILL: no shutdown hook runs, exactly like a crash or the OOM killer. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** The exit status of the last run, once it has ended. */
  int exitValue() {
    return process.exitValue();
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
