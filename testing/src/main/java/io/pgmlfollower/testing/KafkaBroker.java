package io.pgmlfollower.testing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Kafka broker for integration tests: one KRaft node (broker and controller in one process)
 * in a JVM of its own, started from the {@code org.apache.kafka:kafka_2.13} jars on the test's
 * class path, with its log directory in a fresh temporary directory that {@link #close()} deletes.
 * No Docker, no ZooKeeper. A forked JVM rather than an in-process server: the broker's threads,
 * heap and class path stay apart from the code under test, and a test can stop it like a real one.
 *
 * <p>Start-up as the Kafka quickstart does it (https://kafka.apache.org/quickstart): {@code
 * kafka-storage format} with a random cluster id, then {@code kafka.Kafka server.properties}.
 */
public final class KafkaBroker implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final Path root;
  private final Process process;
  private final int port;

  private KafkaBroker(Path root, Process process, int port) {
    this.root = requireNonNull(root, "root is null");
    this.process = requireNonNull(process, "process is null");
    this.port = port;
  }

  /** Starts a broker and returns once it accepts connections. */
  public static KafkaBroker start() {
    Path root;
    try {
      root = Files.createTempDirectory("pgml-follower-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for the test broker", e);
    }
    Process process = null;
    try {
      int port = freePort();
      int controllerPort = freePort();
      Path properties = root.resolve("server.properties");
      Files.writeString(properties, serverProperties(root.resolve("logs"), port, controllerPort));
      Path log = root.resolve("broker.log");
      run(
          List.of(
              "kafka.tools.StorageTool",
              "format",
              "--cluster-id",
              UUID.randomUUID().toString().replace("-", "").substring(0, 22),
              "--config",
              properties.toString(),
              "--ignore-formatted"),
          root.resolve("format.log"));
      process =
          java(List.of("kafka.Kafka", properties.toString()))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      awaitPort(process, port, log);
      return new KafkaBroker(root, process, port);
    } catch (IOException | RuntimeException e) {
      if (process != null) {
        process.destroyForcibly();
      }
      deleteQuietly(root);
      throw new IllegalStateException("cannot start the test Kafka broker: " + e.getMessage(), e);
    }
  }

  /** {@code host:port} for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  static String serverProperties(Path logs, int port, int controllerPort) {
    return String.join(
        "\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs=" + logs,
        // One node: every internal topic has one replica.
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "num.partitions=1",
        "auto.create.topics.enable=true",
        "");
  }

  private static ProcessBuilder java(List<String> arguments) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx512m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1"); // a test broker: start fast rather than peak speed
    command.add("-cp");
    command.add(ClassPath.current());
    command.addAll(arguments);
    return new ProcessBuilder(command);
  }

  private static void run(List<String> arguments, Path log) throws IOException {
    Process process =
        java(arguments).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!process.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(arguments.getFirst() + " did not finish: " + tail(log));
      }
      if (process.exitValue() != 0) {
        throw new IOException(arguments.getFirst() + " failed: " + tail(log));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException("interrupted", e);
    }
  }

  private static void awaitPort(Process process, int port, Path log) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("the broker exited: " + tail(log));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        sleep(100);
      }
    }
    throw new IOException("the broker did not listen within " + START_TIMEOUT + ": " + tail(log));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    deleteQuietly(root);
  }

  private static void deleteQuietly(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException ignored) {
      // A leftover temporary directory is harmless; the test's own failure matters more.
    }
  }

  /** The class path of this JVM, which holds the Kafka jars when the test depends on them. */
  private static final class ClassPath {
    static String current() {
      return requireNonNull(
          System.getProperty("java.class.path"), "the JVM has no java.class.path");
    }
  }
}
