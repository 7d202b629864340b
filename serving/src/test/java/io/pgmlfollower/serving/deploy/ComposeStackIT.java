package io.pgmlfollower.serving.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pgmlfollower.serving.config.ConfigLoader;
import io.pgmlfollower.serving.config.FollowerConfig;
import io.pgmlfollower.testing.PostgresFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The compose stack in compose/, checked without a Docker engine (none runs here): the file is
 * well-formed and self-consistent (services it depends on exist and have the health checks their
 * conditions need, every mounted file exists), the follower's configs are ones the follower takes
 * and agree with the Debezium connector (topic prefix, brokers), and the source's init script runs
 * on a real PostgreSQL and creates what the connector and the project name.
 */
class ComposeStackIT {
  private static final Path COMPOSE = Path.of("../compose").toAbsolutePath();
  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
  private final ObjectMapper json = new ObjectMapper();

  private JsonNode compose() throws Exception {
    return yaml.readTree(COMPOSE.resolve("docker-compose.yml").toFile());
  }

  private static FollowerConfig follower(String file) throws Exception {
    return new ConfigLoader(Map.of("ENDPOINT_PASSWORD", "pw")::get)
        .parse(Files.readString(COMPOSE.resolve(file)));
  }

  @Test
  void servicesDependOnWhatExistsAndMountWhatIsThere() throws Exception {
    JsonNode services = compose().path("services");
    List<String> names = new ArrayList<>();
    services.fieldNames().forEachRemaining(names::add);
    assertThat(names)
        .containsExactlyInAnyOrder("source", "kafka", "connect", "register-connector", "follower");
    services
        .properties()
        .forEach(
            service -> {
              service
                  .getValue()
                  .path("depends_on")
                  .properties()
                  .forEach(
                      dependency -> {
                        JsonNode target = services.path(dependency.getKey());
                        assertThat(target.isMissingNode())
                            .as("%s depends on %s", service.getKey(), dependency.getKey())
                            .isFalse();
                        String condition = dependency.getValue().path("condition").asText();
                        assertThat(condition)
                            .isIn("service_healthy", "service_completed_successfully");
                        if (condition.equals("service_healthy")) {
                          assertThat(target.has("healthcheck"))
                              .as("%s has a healthcheck", dependency.getKey())
                              .isTrue();
                        }
                      });
              for (JsonNode volume : service.getValue().path("volumes")) {
                String source = volume.asText().split(":")[0];
                if (source.startsWith("./")) {
                  assertThat(COMPOSE.resolve(source)).as(volume.asText()).isRegularFile();
                }
              }
            });
    assertThat(services.at("/source/command").toString()).contains("wal_level=logical");
    assertThat(services.at("/follower/command").toString())
        .isEqualTo("[\"run\",\"--config\",\"/etc/pgml-follower/follower.yaml\"]");
  }

  @Test
  void theFollowerReadsWhatTheConnectorWrites() throws Exception {
    JsonNode connector = json.readTree(COMPOSE.resolve("debezium-connector.json").toFile());
    FollowerConfig inStack = follower("follower.yaml");
    FollowerConfig onHost = follower("follower-host.yaml");
    for (FollowerConfig config : List.of(inStack, onHost)) {
      assertThat(config.source().type()).isEqualTo(FollowerConfig.SourceType.KAFKA);
      assertThat(config.source().kafka().topicPrefix())
          .isEqualTo(connector.path("topic.prefix").asText());
    }
    String advertised =
        compose().at("/services/kafka/environment/KAFKA_ADVERTISED_LISTENERS").asText();
    assertThat(advertised)
        .contains("//" + inStack.source().kafka().bootstrapServers())
        .contains("//" + onHost.source().kafka().bootstrapServers());
    // The follower reads Kafka Connect's JSON with schemas by default.
    assertThat(connector.path("value.converter").asText())
        .isEqualTo("org.apache.kafka.connect.json.JsonConverter");
    assertThat(connector.path("value.converter.schemas.enable").asText()).isEqualTo("true");
    assertThat(connector.path("database.hostname").asText()).isEqualTo("source");
    assertThat(compose().at("/services/source/environment/DEBEZIUM_PASSWORD").asText())
        .isEqualTo(connector.path("database.password").asText());
    assertThat(inStack.projects())
        .extracting(FollowerConfig.Project::relation)
        .containsExactly("public.customers");
  }

  @Test
  void theSourceInitScriptCreatesWhatTheConnectorAndTheProjectNeed() throws Exception {
    JsonNode connector = json.readTree(COMPOSE.resolve("debezium-connector.json").toFile());
    FollowerConfig config = follower("follower.yaml");
    try (PostgresFixture postgres = PostgresFixture.start()) {
      postgres.createDatabase("app");
      ProcessBuilder init =
          new ProcessBuilder("bash", COMPOSE.resolve("source-init.sh").toString())
              .redirectErrorStream(true);
      init.environment()
          .putAll(
              Map.of(
                  "POSTGRES_USER", postgres.superuser(),
                  "POSTGRES_DB", "app",
                  "PGHOST", postgres.host(),
                  "PGPORT", Integer.toString(postgres.port()),
                  "PGPASSWORD", postgres.superuserPassword(),
                  // A quote in it must not break the script (it is a psql variable).
                  "DEBEZIUM_PASSWORD", "it's " + connector.path("database.password").asText()));
      Process process = init.start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).as(output).isZero();
      try (Connection connection = postgres.connectAsSuperuser("app");
          Statement statement = connection.createStatement()) {
        String publication = connector.path("publication.name").asText();
        try (ResultSet rs =
            statement.executeQuery(
                "SELECT schemaname || '.' || tablename FROM pg_publication_tables"
                    + " WHERE pubname = '"
                    + publication
                    + "'")) {
          assertThat(rs.next()).as("publication %s", publication).isTrue();
          assertThat(rs.getString(1)).isEqualTo(connector.path("table.include.list").asText());
        }
        try (ResultSet rs =
            statement.executeQuery(
                "SELECT rolreplication, rolcanlogin FROM pg_roles WHERE rolname = '"
                    + connector.path("database.user").asText()
                    + "'")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getBoolean(1)).isTrue();
          assertThat(rs.getBoolean(2)).isTrue();
        }
        FollowerConfig.Project project = config.projects().getFirst();
        try (ResultSet rs =
            statement.executeQuery(
                "SELECT count(*), count(DISTINCT "
                    + project.target()
                    + ") FROM "
                    + project.relation())) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).isEqualTo(5000);
          assertThat(rs.getLong(2)).as("both classes present").isEqualTo(2);
        }
      }
    }
  }
}
