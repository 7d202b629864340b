package io.pgmlfollower.serving.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.serving.Follower;
import io.pgmlfollower.serving.config.FollowerConfig;
import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Projects from the YAML: trained once the snapshot is loaded, then retrained after {@code
 * retrain-after-changes} row changes arrive from the source.
 */
class ProjectTrainingIT {
  @Test
  void trainedAtStartThenRetrainedAfterEnoughChanges() throws Exception {
    Path work =
        Files.createTempDirectory(
            "project-training-it",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    try (PostgresFixture source = PostgresFixture.start()) {
      source.createDatabase("app");
      source.execute(
          "app",
          "CREATE TABLE public.points (id int PRIMARY KEY, x float8 NOT NULL, y float8 NOT NULL)",
          "INSERT INTO public.points SELECT g, g, 2 * g + 1 + (g % 3) FROM generate_series(1, 100) g");
      SourceRole role = source.createReplicationSource("app", "pub", List.of("public.points"));
      FollowerConfig config =
          new FollowerConfig(
              new FollowerConfig.Source(
                  null,
                  null,
                  role.host(),
                  role.port(),
                  "app",
                  role.user(),
                  role.password(),
                  FollowerConfig.SslMode.DISABLE,
                  "pub",
                  "slot_training",
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null),
              new FollowerConfig.Store(work.resolve("store"), null, null, null),
              new FollowerConfig.Serve(
                  "127.0.0.1",
                  0,
                  FollowerConfig.AuthMethod.SCRAM_SHA_256,
                  List.of(new FollowerConfig.User("app", "pw")),
                  null),
              new FollowerConfig.Admin("127.0.0.1", 0),
              List.of(
                  new FollowerConfig.Project(
                      "points",
                      FollowerConfig.Task.REGRESSION,
                      "public.points",
                      "y",
                      "linear",
                      Map.of(),
                      null,
                      30L)));
      try (Follower follower = Follower.start(config)) {
        awaitModels(follower, 1);
        try (Connection connection = source.connectAsSuperuser("app");
            Statement statement = connection.createStatement()) {
          statement.execute(
              "INSERT INTO public.points SELECT g, g, 2 * g + 1 FROM generate_series(101, 140) g");
        }
        awaitModels(follower, 2);
      }
    } finally {
      try (var paths = Files.walk(work)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void awaitModels(Follower follower, int count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    try (Connection connection =
        DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:" + follower.endpointPort() + "/app", "app", "pw")) {
      while (true) {
        try (Statement statement = connection.createStatement();
            ResultSet rs =
                statement.executeQuery(
                    "SELECT count(*) FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id"
                        + " WHERE p.name = 'points' AND m.status = 'successful'")) {
          rs.next();
          if (rs.getInt(1) >= count) {
            assertThat(rs.getInt(1)).isEqualTo(count);
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("project 'points' did not reach " + count + " models");
        }
        Thread.sleep(200);
      }
    }
  }
}
