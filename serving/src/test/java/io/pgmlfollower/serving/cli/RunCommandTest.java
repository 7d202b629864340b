package io.pgmlfollower.serving.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What a user sees when the follower cannot start from its configuration. */
class RunCommandTest {
  @TempDir Path directory;

  @Test
  void missingRequiredKeyFailsAtStartNamingTheKey() throws Exception {
    Path config = directory.resolve("follower.yaml");
    Files.writeString(
        config,
        """
        source:
          host: 127.0.0.1
          database: app
          user: follower
        store:
          path: /tmp/never-used
        serve:
          auth: trust
        """);
    StringWriter err = new StringWriter();
    CommandLine commandLine = FollowerCommand.commandLine();
    commandLine.setErr(new PrintWriter(err));
    int exitCode = commandLine.execute("run", "--config", config.toString());
    assertThat(exitCode).isEqualTo(2);
    assertThat(err.toString())
        .contains("configuration error")
        .contains("source.publication")
        .contains("missing");
  }

  @Test
  void anUnreadableTlsCertificateFailsAtStartNamingTheKey() throws Exception {
    Path config = directory.resolve("follower.yaml");
    Files.writeString(
        config,
        """
        source:
          host: 127.0.0.1
          database: app
          user: follower
          publication: pub
        store:
          path: %s
        serve:
          auth: trust
          tls:
            cert: /nonexistent/tls.crt
            key: /nonexistent/tls.key
        """
            .formatted(directory.resolve("store")));
    StringWriter err = new StringWriter();
    CommandLine commandLine = FollowerCommand.commandLine();
    commandLine.setErr(new PrintWriter(err));
    assertThat(commandLine.execute("run", "--config", config.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("serve.tls.").contains("/nonexistent/tls.");
    assertThat(directory.resolve("store")).doesNotExist();
  }

  @Test
  void missingConfigFileIsNamed() {
    StringWriter err = new StringWriter();
    CommandLine commandLine = FollowerCommand.commandLine();
    commandLine.setErr(new PrintWriter(err));
    int exitCode =
        commandLine.execute("run", "--config", directory.resolve("nope.yaml").toString());
    assertThat(exitCode).isEqualTo(2);
    assertThat(err.toString()).contains("nope.yaml").contains("not found");
  }

  @Test
  void versionPrintsTheVersion() {
    StringWriter out = new StringWriter();
    CommandLine commandLine = FollowerCommand.commandLine();
    commandLine.setOut(new PrintWriter(out));
    assertThat(commandLine.execute("version")).isZero();
    assertThat(out.toString()).startsWith("pgml-follower ");
  }
}
