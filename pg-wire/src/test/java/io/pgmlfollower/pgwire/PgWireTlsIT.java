package io.pgmlfollower.pgwire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.testing.PostgresFixture;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the endpoint, with certificates from a throwaway CA made by openssl: pgjdbc with
 * sslmode=require and verify-full, psql, a client that does not trust the CA, plaintext clients,
 * and plaintext bytes smuggled after an SSLRequest.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PgWireTlsIT {
  private static final String USER = "analyst";
  private static final String PASSWORD = "s3cret-pw";

  @TempDir static Path certificates;
  private PostgresFixture postgres;
  private TestEndpoint endpoint;
  private int port;

  @BeforeAll
  void start() throws Exception {
    makeCertificates(certificates);
    postgres = PostgresFixture.start();
    postgres.createDatabase("app");
    postgres.execute("app", "CREATE ROLE session_role LOGIN PASSWORD 'session-pw'");
    endpoint =
        TestEndpoint.start(
            postgres,
            "session_role",
            "session-pw",
            options ->
                options
                    .setAuthMethod(AuthMethod.SCRAM_SHA_256)
                    .setUsers(Map.of(USER, PASSWORD))
                    .setTls(
                        new PgWireOptions.Tls(
                            certificates.resolve("server.pem"),
                            certificates.resolve("server.key"))));
    port = endpoint.port();
  }

  @AfterAll
  void stop() throws Exception {
    if (endpoint != null) {
      endpoint.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void sslmodeRequireEncryptsAndWorks() throws SQLException {
    try (Connection connection = connect("127.0.0.1", "sslmode=require")) {
      assertThat(version(connection)).isEqualTo("test-1.0");
    }
  }

  @Test
  void verifyFullChecksTheChainAndTheHostName() throws SQLException {
    String trusted = "sslmode=verify-full&sslrootcert=" + certificates.resolve("ca.pem");
    try (Connection connection = connect("localhost", trusted)) {
      assertThat(version(connection)).isEqualTo("test-1.0");
    }
    try (Connection connection = connect("127.0.0.1", trusted)) {
      assertThat(version(connection)).isEqualTo("test-1.0");
    }
    assertThatThrownBy(
            () ->
                connect(
                    "localhost",
                    "sslmode=verify-full&sslrootcert=" + certificates.resolve("other-ca.pem")))
        .isInstanceOf(SQLException.class);
  }

  @Test
  void scramBindsToTheTlsChannelWhenTheClientRequiresIt() throws Exception {
    // pgjdbc: SCRAM-SHA-256-PLUS with tls-server-end-point, or no connection at all.
    try (Connection connection = connect("localhost", "sslmode=require&channelBinding=require")) {
      assertThat(version(connection)).isEqualTo("test-1.0");
    }
    // Without TLS there is no channel to bind to: a client that requires binding gives up.
    assertThatThrownBy(() -> connect("127.0.0.1", "sslmode=disable&channelBinding=require"))
        .isInstanceOf(SQLException.class);
    // libpq (psql), which checks the server's binding data itself.
    assertThat(psqlVerifyFull("channel_binding=require", "-c", "SELECT test.version()"))
        .contains("test-1.0");
  }

  @Test
  void plaintextClientsStillConnect() throws SQLException {
    try (Connection connection = connect("127.0.0.1", "sslmode=disable")) {
      assertThat(version(connection)).isEqualTo("test-1.0");
    }
  }

  @Test
  void psqlConnectsWithVerifyFull() throws Exception {
    assertThat(psqlVerifyFull("", "-c", "SELECT test.version()", "-c", "\\conninfo"))
        .contains("test-1.0")
        .contains("SSL connection");
  }

  @Test
  void plaintextSentAfterTheSslRequestIsRefused() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      ByteBuffer packets = ByteBuffer.allocate(8 + 8);
      packets.putInt(8).putInt(80877103); // SSLRequest
      packets.putInt(8).putInt(196608); // a bogus plaintext packet in the same write
      OutputStream out = socket.getOutputStream();
      out.write(packets.array());
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      int first = in.read();
      assertThat((char) first).as("the server must not start TLS").isEqualTo('E');
    }
  }

  /**
   * Runs psql against the endpoint with sslmode=verify-full and the test CA, plus {@code extra}
   * connection settings; fails unless it exits 0, returns its output.
   */
  private String psqlVerifyFull(String extra, String... commands) throws Exception {
    List<String> command = new ArrayList<>(List.of("psql", "-X", "-At"));
    command.addAll(List.of(commands));
    command.add(
        "host=localhost port=%d dbname=app user=%s sslmode=verify-full sslrootcert=%s %s"
            .formatted(port, USER, certificates.resolve("ca.pem"), extra));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("PGPASSWORD", PASSWORD);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }

  private Connection connect(String host, String parameters) throws SQLException {
    return DriverManager.getConnection(
        // connectTimeout too: pgjdbc's default of 10 s also bounds the TLS handshake, and the
        // first one in a JVM (JSSE and the endpoint's SSL context warming up) has taken longer
        // on this shared 2-core machine under load.
        "jdbc:postgresql://%s:%d/app?socketTimeout=60&connectTimeout=60&%s"
            .formatted(host, port, parameters),
        USER,
        PASSWORD);
  }

  private static String version(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT test.version()")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** A CA, a server certificate for localhost/127.0.0.1 signed by it, and an unrelated CA. */
  private static void makeCertificates(Path dir) throws Exception {
    Files.writeString(dir.resolve("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    run(
        dir,
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=pgml-test-ca");
    run(
        dir,
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "other-ca.key",
        "-out",
        "other-ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=someone-else");
    run(
        dir,
        "openssl",
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost");
    run(
        dir,
        "openssl",
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf");
  }

  private static void run(Path dir, String... command) throws Exception {
    Process process =
        new ProcessBuilder(List.of(command))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
    }
  }
}
