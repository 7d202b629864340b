package io.pgmlfollower.serving.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's first command as a user types it: {@code bin/pgml-follower demo} (the launcher
 * script, the packaged jar), the psql command and the example queries it prints run with the real
 * psql exactly as printed, and Ctrl-C (SIGINT) stops it.
 */
class LauncherDemoIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern PSQL =
      Pattern.compile("PGPASSWORD=(\\S+) psql -h (\\S+) -p (\\d+) -U (\\S+) (\\S+)");
  private static final Pattern LABEL = Pattern.compile("whose target is (\\d+)");

  @Test
  void theDemoAnswersTheQueriesItPrintsThroughPsqlAndStopsOnCtrlC() throws Exception {
    Path jar = ROOT.resolve("serving/target/pgml-follower.jar");
    assertThat(jar).as("the package phase built the runnable jar").isRegularFile();
    // Just built: the launcher must run it, not rebuild it from inside this build.
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now()));
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Process demo =
        new ProcessBuilder(
                ROOT.resolve("bin/pgml-follower").toString(), "demo", "--port", "" + port)
            .redirectErrorStream(true)
            .start();
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  try (BufferedReader in =
                      new BufferedReader(
                          new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                      lines.add(line);
                    }
                  } catch (java.io.IOException e) {
                    lines.add("(read failed: " + e + ")");
                  }
                });
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
      while (lines.stream().noneMatch(l -> l.contains("Ctrl-C stops everything"))) {
        assertThat(demo.isAlive()).as("the demo is running: %s", lines).isTrue();
        assertThat(System.nanoTime() < deadline).as("the demo started: %s", lines).isTrue();
        Thread.sleep(200);
      }
      String output = String.join("\n", lines);
      Matcher psql = PSQL.matcher(output);
      assertThat(psql.find()).as(output).isTrue(); // the source's
      assertThat(psql.find()).as(output).isTrue(); // the follower's
      assertThat(Integer.parseInt(psql.group(3))).isEqualTo(port);
      List<String> queries = new ArrayList<>();
      for (int i = lines.indexOf("Try:") + 1; i < lines.size(); i++) {
        if (lines.get(i).startsWith("  SELECT")) {
          queries.add(lines.get(i).strip());
        }
      }
      assertThat(queries).hasSize(3);
      List<String> answers = new ArrayList<>();
      for (String query : queries) {
        ProcessBuilder client =
            new ProcessBuilder(
                    "psql",
                    "-h",
                    psql.group(2),
                    "-p",
                    psql.group(3),
                    "-U",
                    psql.group(4),
                    psql.group(5),
                    "-X",
                    "-A",
                    "-t",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-c",
                    query)
                .redirectErrorStream(true);
        client.environment().put("PGPASSWORD", psql.group(1));
        Process run = client.start();
        String answer =
            new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as("%s: %s", query, answer).isZero();
        answers.add(answer);
      }
      assertThat(answers.get(0)).isEqualTo("569");
      assertThat(answers.get(1)).contains("|");
      Matcher label = LABEL.matcher(output);
      assertThat(label.find()).isTrue();
      assertThat(Math.round(Double.parseDouble(answers.get(2))))
          .isEqualTo(Long.parseLong(label.group(1)));
    } finally {
      // Ctrl-C: SIGINT to the JVM the launcher exec'd into.
      new ProcessBuilder("kill", "-INT", Long.toString(demo.pid())).start().waitFor();
      boolean stopped = demo.waitFor(90, TimeUnit.SECONDS);
      if (!stopped) {
        demo.destroyForcibly();
      }
      reader.join(5_000);
      assertThat(stopped).as("stopped on Ctrl-C: %s", lines).isTrue();
    }
  }
}
