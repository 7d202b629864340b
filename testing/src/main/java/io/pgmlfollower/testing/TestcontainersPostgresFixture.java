package io.pgmlfollower.testing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.containers.Container;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A {@link PostgresFixture} in a {@code postgres:17} Docker container ({@code
 * PGML_TEST_POSTGRES=testcontainers}), for machines with Docker that want the official image.
 */
public final class TestcontainersPostgresFixture implements PostgresFixture {
  private static final DockerImageName IMAGE = DockerImageName.parse("postgres:17");

  private final PostgreSQLContainer container;

  private TestcontainersPostgresFixture(PostgreSQLContainer container) {
    this.container = requireNonNull(container, "container is null");
  }

  public static TestcontainersPostgresFixture start() {
    List<String> command = new ArrayList<>(List.of("postgres"));
    EmbeddedPostgresFixture.serverSettings()
        .forEach((name, value) -> command.addAll(List.of("-c", name + "=" + value)));
    PostgreSQLContainer container =
        new PostgreSQLContainer(IMAGE).withCommand(command.toArray(String[]::new));
    container.start();
    TestcontainersPostgresFixture fixture = new TestcontainersPostgresFixture(container);
    try {
      fixture.allowRemoteReplication();
    } catch (IOException | SQLException | RuntimeException e) {
      container.stop();
      throw new IllegalStateException(
          "cannot configure the PostgreSQL container: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      container.stop();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while configuring the PostgreSQL container", e);
    }
    return fixture;
  }

  /**
   * The image's pg_hba.conf lets replication connections in from loopback only; the tests connect
   * through Docker's port mapping.
   */
  private void allowRemoteReplication() throws IOException, InterruptedException, SQLException {
    Container.ExecResult result =
        container.execInContainer(
            "sh", "-c", "echo 'host replication all all scram-sha-256' >> \"$PGDATA/pg_hba.conf\"");
    if (result.getExitCode() != 0) {
      throw new IOException("cannot edit pg_hba.conf: " + result.getStderr());
    }
    execute("postgres", "SELECT pg_reload_conf()");
  }

  @Override
  public String host() {
    return container.getHost();
  }

  @Override
  public int port() {
    return container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT);
  }

  @Override
  public String superuser() {
    return container.getUsername();
  }

  @Override
  public String superuserPassword() {
    return container.getPassword();
  }

  /**
   * Not here: the container's PostgreSQL is its main process, so stopping it ends the container,
   * and a started one gets another mapped port. Tests of source restarts run on the embedded
   * fixture.
   */
  @Override
  public void restart() {
    throw new UnsupportedOperationException(
        "restarting PostgreSQL is supported by the embedded fixture only");
  }

  @Override
  public void close() {
    container.stop();
  }
}
