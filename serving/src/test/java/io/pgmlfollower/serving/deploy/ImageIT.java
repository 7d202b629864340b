package io.pgmlfollower.serving.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import io.pgmlfollower.testing.TestPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image Jib builds ({@code target/pgml-follower-image.tar}, profile {@code image})
 * run the way Kubernetes runs it with the Helm chart, with no container engine: the image's layers
 * unpacked in order into a root file system, and its entrypoint started in it with {@code chroot}
 * as uid 1000, in a private mount namespace with /proc and /dev mounted as a runtime mounts them,
 * with the follower.yaml, arguments and environment the chart renders, against a real source
 * PostgreSQL. It proves the image holds everything the follower needs at run time: the Java
 * runtime, the C libraries of RocksDB and XGBoost4J, a shell and a user for the embedded
 * PostgreSQL.
 */
class ImageIT {
  private static final Path TARBALL = Path.of("target/pgml-follower-image.tar").toAbsolutePath();
  private static final Path CHART = Path.of("../deploy/helm/pgml-follower").toAbsolutePath();
  private static final Path COMPOSE = Path.of("../compose/docker-compose.yml").toAbsolutePath();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir static Path work;
  private static OciImage image;
  private static Path root;
  private static PostgresFixture source;

  @BeforeAll
  static void unpack() throws Exception {
    assertThat(TARBALL).as("built by `./mvnw package` with the image profile").exists();
    image = OciImage.read(TARBALL, work);
    root = work.resolve("rootfs");
    image.unpackInto(root);
  }

  @AfterAll
  static void stopSource() {
    if (source != null) {
      source.close();
    }
  }

  @Test
  void theImageIsTheOneTheChartAndComposeRunAsTheUserTheChartSets() throws Exception {
    String appVersion =
        YAML.readTree(CHART.resolve("Chart.yaml").toFile()).path("appVersion").asText();
    assertThat(image.reference()).isEqualTo("pgml-follower:" + appVersion);
    assertThat(YAML.readTree(COMPOSE.toFile()).at("/services/follower/image").asText())
        .isEqualTo(image.reference());

    JsonNode config = image.runConfig();
    assertThat(config.path("User").asText()).isEqualTo("1000:1000");
    assertThat(config.path("Entrypoint").toString())
        .isEqualTo("[\"/usr/bin/tini\",\"--\",\"/opt/pgml-follower/bin/pgml-follower\"]");
    assertThat(config.path("Cmd").toString())
        .isEqualTo("[\"run\",\"--config\",\"/etc/pgml-follower/follower.yaml\"]");
    assertThat(config.path("WorkingDir").asText()).isEqualTo("/var/lib/pgml-follower");
    assertThat(config.path("Volumes").has("/var/lib/pgml-follower")).isTrue();
    assertThat(config.path("ExposedPorts").has("6433/tcp")).isTrue();
    assertThat(config.path("ExposedPorts").has("9187/tcp")).isTrue();
    assertThat(config.path("Labels").path("org.opencontainers.image.licenses").asText())
        .isEqualTo("GPL-3.0-or-later");

    // uid 1000 has a name (initdb looks it up), and the store's directory takes its writes
    // before any volume is mounted on it.
    assertThat(Files.readAllLines(root.resolve("etc/passwd")))
        .anyMatch(l -> l.contains(":1000:1000:"));
    assertThat(OciImage.permissions(0777))
        .isEqualTo(Files.getPosixFilePermissions(root.resolve("var/lib/pgml-follower")));
    assertThat(root.resolve("bin/sh")).isExecutable();
    assertThat(root.resolve("opt/java/bin/java")).isExecutable();
  }

  @Test
  void runsAsTheChartConfiguresIt_snapshotsStreamsTrainsAndPredicts() throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "chroot and mount need root: CI runs as root");
    source = PostgresFixture.start();
    source.createDatabase("plant");
    try (Connection connection = source.connectAsSuperuser("plant");
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE public.readings (id integer PRIMARY KEY, temperature double precision"
              + " NOT NULL, vibration double precision NOT NULL, failed integer NOT NULL)");
      // Deterministic: a machine fails when it runs hot and shakes.
      statement.execute(
          "INSERT INTO public.readings SELECT i, (i * 37) % 100, (i * 53) % 10,"
              + " CASE WHEN (i * 37) % 100 + 5 * ((i * 53) % 10) > 90 THEN 1 ELSE 0 END"
              + " FROM generate_series(1, 2000) i");
    }
    SourceRole role =
        source.createReplicationSource("plant", "pgml_pub", List.of("public.readings"));

    int endpointPort = TestPorts.belowEphemeralRange();
    int adminPort = TestPorts.belowEphemeralRange();
    Map<String, Object> values = new HashMap<>();
    values.put("source.host", role.host());
    values.put("source.port", role.port());
    values.put("source.database", role.database());
    values.put("source.user", role.user());
    values.put("source.sslmode", "disable");
    values.put("source.publication", role.publication());
    values.put("secret.sourcePassword", role.password());
    values.put("secret.endpointPassword", "image-test-pw");
    values.put("service.endpointPort", endpointPort);
    values.put("service.adminPort", adminPort);
    values.put("javaOpts", "-Xmx768m");
    var template = new Helm(CHART).template().withName("ml");
    values.forEach(template::set);
    List<JsonNode> documents = new ArrayList<>();
    try (var parser = YAML.getFactory().createParser(template.call())) {
      YAML.readValues(parser, JsonNode.class)
          .forEachRemaining(
              d -> {
                if (d != null && !d.isEmpty()) {
                  documents.add(d);
                }
              });
    }

    // The ConfigMap mounted where the chart mounts it, the Secret's passwords in the environment.
    JsonNode container = kind(documents, "StatefulSet").at("/spec/template/spec/containers/0");
    Path configDirectory = Files.createDirectories(work.resolve("configmap"));
    Files.writeString(
        configDirectory.resolve("follower.yaml"),
        kind(documents, "ConfigMap").at("/data/follower.yaml").asText());
    JsonNode secret = kind(documents, "Secret").path("stringData");
    Map<String, String> environment = new HashMap<>(image.environment());
    for (JsonNode variable : container.path("env")) {
      String name = variable.path("name").asText();
      if (variable.has("value")) {
        environment.put(name, variable.path("value").asText());
      } else {
        String key = variable.at("/valueFrom/secretKeyRef/key").asText();
        assertThat(secret.has(key)).as("the Secret holds " + key).isTrue();
        environment.put(name, secret.path(key).asText());
      }
    }
    List<String> command = new ArrayList<>();
    image.runConfig().path("Entrypoint").forEach(e -> command.add(e.asText()));
    container.path("args").forEach(a -> command.add(a.asText()));

    // The volume claim, owned by the pod's fsGroup.
    Path store = Files.createDirectories(work.resolve("volume"));
    Files.setAttribute(store, "unix:uid", 1000);
    Files.setAttribute(store, "unix:gid", 1000);
    int gracePeriod =
        kind(documents, "StatefulSet")
            .at("/spec/template/spec/terminationGracePeriodSeconds")
            .asInt(30);

    Path log = work.resolve("container.log");
    Process process = runInImage(command, environment, configDirectory, store, log);
    try {
      awaitReady(process, adminPort, log);
      String url = "jdbc:postgresql://127.0.0.1:" + endpointPort + "/" + role.database();
      try (Connection follower = DriverManager.getConnection(url, "app", "image-test-pw");
          Statement statement = follower.createStatement()) {
        // The initial snapshot, in the embedded PostgreSQL the image started.
        assertThat(scalar(statement, "SELECT count(*) FROM public.readings")).isEqualTo("2000");
        // XGBoost4J's native library (libgomp, libstdc++) loads and trains in the image.
        try (ResultSet rs =
            statement.executeQuery(
                "SELECT * FROM pgml.train('failures', 'classification', 'public.readings',"
                    + " 'failed', algorithm => 'xgboost', hyperparams => '{\"n_estimators\": 20}')")) {
          assertThat(rs.next()).isTrue();
        }
        // Features in table order: id, temperature, vibration.
        assertThat(scalar(statement, "SELECT pgml.predict('failures', ARRAY[1000, 95.0, 9.0])"))
            .isEqualTo("1");
        assertThat(scalar(statement, "SELECT pgml.predict('failures', ARRAY[1001, 10.0, 1.0])"))
            .isEqualTo("0");

        // Streaming: a row written on the source arrives, and the online store (RocksDB's JNI
        // library) answers a prediction by its key.
        try (Connection sourceConnection = source.connectAsSuperuser("plant");
            Statement write = sourceConnection.createStatement()) {
          write.execute("INSERT INTO public.readings VALUES (5000, 99, 9, 1)");
        }
        awaitRow(statement, "SELECT count(*) FROM public.readings WHERE id = 5000", "1");
        assertThat(scalar(statement, "SELECT pgml.predict_by_key('failures', 5000)"))
            .isEqualTo("1");
      }

      // The store was written by uid 1000 on its volume.
      try (var files = Files.list(store)) {
        List<Path> written = files.toList();
        assertThat(written).isNotEmpty();
        for (Path file : written) {
          assertThat(Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS))
              .as(file.toString())
              .isEqualTo(1000);
        }
      }

      // SIGTERM to PID 1, as Kubernetes stops a pod: tini passes it on, the follower stops the
      // embedded PostgreSQL and exits within the chart's grace period, leaving no process behind.
      ProcessHandle init =
          process
              .descendants()
              .filter(p -> p.info().command().orElse("").endsWith("/usr/bin/tini"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no tini in the container"));
      init.destroy();
      assertThat(process.waitFor(gracePeriod, TimeUnit.SECONDS))
          .as("stopped within terminationGracePeriodSeconds (%d s)%s", gracePeriod, tail(log))
          .isTrue();
      // 143: the JVM's exit status after SIGTERM and its shutdown hooks.
      assertThat(process.exitValue()).as(tail(log)).isIn(0, 143);
      assertThat(tail(log)).contains("pgml-follower stopped");
    } finally {
      // unshare --kill-child: the namespace's init dies with it, and every process in it.
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(
            ProcessHandle.allProcesses()
                .filter(p -> p.info().command().orElse("").startsWith(root.toString())))
        .as("processes left running from the image")
        .isEmpty();
  }

  /**
   * The image's entrypoint as Kubernetes starts it with the chart: in a PID namespace of its own
   * (the entrypoint is PID 1) and a private mount namespace, with a read-only root, /proc, /dev,
   * /dev/shm and /tmp as the runtime and the chart's emptyDir volumes mount them, the ConfigMap
   * read-only at /etc/pgml-follower, the volume claim at /var/lib/pgml-follower, the host's
   * /etc/hosts (runtimes write one), the image's working directory and user. The namespaces and
   * their mounts go away with the process.
   */
  private static Process runInImage(
      List<String> command,
      Map<String, String> environment,
      Path configDirectory,
      Path store,
      Path log)
      throws IOException {
    Path hosts = root.resolve("etc/hosts");
    if (!Files.exists(hosts)) {
      Files.createFile(hosts);
    }
    String user = image.runConfig().path("User").asText();
    String workingDirectory = image.runConfig().path("WorkingDir").asText("/");
    List<String> argv = new ArrayList<>();
    argv.addAll(
        List.of(
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "--pid",
            "--fork",
            "--kill-child",
            "--"));
    argv.addAll(
        List.of(
            "/bin/sh",
            "-c",
            // Host tools by the host's PATH; the image's PATH for the entrypoint, set inside.
            "set -e; r=$1; u=$2; d=$3; c=$4; s=$5; p=$PATH; shift 5;"
                + " PATH=/usr/sbin:/usr/bin:/sbin:/bin;"
                + " mount --bind \"$r\" \"$r\"; mount -o remount,bind,ro \"$r\";"
                + " mount -t proc proc \"$r/proc\"; mount --rbind /dev \"$r/dev\";"
                + " mount -t tmpfs -o size=1g tmpfs \"$r/dev/shm\";"
                + " mount -t tmpfs -o mode=1777 tmpfs \"$r/tmp\";"
                + " mount --bind \"$c\" \"$r/etc/pgml-follower\";"
                + " mount -o remount,bind,ro \"$r/etc/pgml-follower\";"
                + " mount --bind \"$s\" \"$r/var/lib/pgml-follower\";"
                + " mount --bind /etc/hosts \"$r/etc/hosts\";"
                + " exec chroot --userspec=\"$u\" \"$r\""
                + " /bin/sh -c 'PATH=$1; export PATH; cd \"$0\"; shift; exec \"$@\"' \"$d\" \"$p\" \"$@\"",
            "run-in-image",
            root.toString(),
            user,
            workingDirectory,
            configDirectory.toString(),
            store.toString()));
    argv.addAll(command);
    Files.writeString(log, String.join(" ", argv) + "\n");
    ProcessBuilder builder =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().clear();
    builder.environment().putAll(environment);
    return builder.start();
  }

  private static void awaitReady(Process process, int adminPort, Path log) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/health/ready"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    try (HttpClient client =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new AssertionError("the container exited with " + process.exitValue() + tail(log));
        }
        try {
          if (client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return;
          }
        } catch (IOException notListeningYet) {
          // starting
        }
        Thread.sleep(200);
      }
    }
    throw new AssertionError("the container was not ready in 240 s" + tail(log));
  }

  private static void awaitRow(Statement statement, String query, String expected)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!expected.equals(scalar(statement, query))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not replicated in 60 s: " + query);
      }
      Thread.sleep(100);
    }
  }

  private static String scalar(Statement statement, String query) throws SQLException {
    try (ResultSet rs = statement.executeQuery(query)) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }

  private static JsonNode kind(List<JsonNode> documents, String kind) {
    return documents.stream()
        .filter(d -> kind.equals(d.path("kind").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " rendered"));
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return "; container log tail:\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "; no container log: " + e;
    }
  }
}
