package io.pgmlfollower.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgmlfollower.testing.PostgresFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The dashboard of a running follower (its own JVM, a real source, two trained models), looked at
 * in headless Chromium by {@code src/test/dashboard/dashboard_test.mjs} (playwright-core from npm,
 * Debian's chromium installed by {@code .ci/run}). The screenshots land in {@code
 * target/dashboard-screenshots}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardIT {
  private static final String DATABASE = "app";
  private static final Path SUITE = Path.of("src/test/dashboard").toAbsolutePath();
  private static final Path SHOTS = Path.of("target/dashboard-screenshots").toAbsolutePath();

  private final BreastCancer data = BreastCancer.load();
  private final ObjectMapper json = new ObjectMapper();
  private PostgresFixture source;
  private FollowerProcess follower;

  @BeforeAll
  void startSourceAndFollowerAndTrain() throws Exception {
    source = PostgresFixture.start();
    follower = data.startFollower(source, DATABASE, "dashboard-it");
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      for (String algorithm : List.of("linear", "random_forest")) {
        statement.execute(
            "SELECT * FROM pgml.train('bc', 'classification', 'public.breast_cancer', 'target', '"
                + algorithm
                + "')");
      }
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (follower != null) {
      follower.close();
    }
    if (source != null) {
      source.close();
    }
  }

  @Test
  @Order(1)
  void theApiAnswersSignedInUsersOnly() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + follower.adminPort();
    HttpResponse<String> anonymous =
        client.send(
            HttpRequest.newBuilder(URI.create(base + "/api/projects")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(value -> assertThat(value).startsWith("Basic"));
    HttpResponse<String> wrong = get(client, base + "/api/projects", FollowerIT.USER, "wrong");
    assertThat(wrong.statusCode()).isEqualTo(401);

    JsonNode projects = json.readTree(get(client, base + "/api/projects").body());
    assertThat(projects).hasSize(1);
    assertThat(projects.get(0).get("name").asText()).isEqualTo("bc");
    assertThat(projects.get(0).get("models").asLong()).isEqualTo(2);
    JsonNode models = json.readTree(get(client, base + "/api/projects/bc/models").body());
    assertThat(models).hasSize(2);
    assertThat(models.findValues("deployed").stream().filter(JsonNode::asBoolean)).hasSize(1);
    // Only relations the catalog lists are named in SQL: anything else is a 404, not an error.
    HttpResponse<String> missing =
        get(client, base + "/api/tables/public/breast_cancer%22%3B%20DROP%20TABLE%20x%3B--");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(get(client, base + "/api/projects/nope/models").body()).isEqualTo("[]");

    // A deploy needs the page's header (no cross-site form can add it), a body that says what,
    // and a project and model that can be deployed; none of these refusals deploys anything.
    String rollback = "{\"strategy\": \"rollback\"}";
    assertThat(post(client, base + "/api/projects/bc/deploy", rollback, false).statusCode())
        .isEqualTo(403);
    for (String bad : List.of("{}", "{\"model\": \"1\"}", "{\"strategy\": 3}", "not json")) {
      assertThat(post(client, base + "/api/projects/bc/deploy", bad, true).statusCode())
          .as(bad)
          .isEqualTo(400);
    }
    HttpResponse<String> elsewhere =
        post(client, base + "/api/projects/bc/deploy", "{\"model\": 99999}", true);
    assertThat(elsewhere.statusCode()).isEqualTo(409);
    assertThat(elsewhere.body()).contains("is not a model of project 'bc'");
    // The page refuses to be framed by another site.
    assertThat(get(client, base + "/").headers().firstValue("Content-Security-Policy"))
        .hasValue("frame-ancestors 'none'");
    HttpResponse<String> unknown = post(client, base + "/api/projects/nope/deploy", rollback, true);
    assertThat(unknown.statusCode()).isEqualTo(409);
    assertThat(json.readTree(unknown.body()).path("sqlstate").asText()).hasSize(5);
    HttpResponse<String> noPrevious =
        post(client, base + "/api/projects/bc/deploy", rollback, true);
    assertThat(noPrevious.statusCode()).isEqualTo(409);
    assertThat(noPrevious.body()).contains("no other model was deployed before");
    assertThat(deployments()).hasSize(1);
  }

  /** A session on the follower's endpoint, as the endpoint user. */
  private Connection connect() throws java.sql.SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + follower.endpointPort() + "/" + DATABASE,
        FollowerIT.USER,
        FollowerIT.PASSWORD);
  }

  /** An HTTP Basic {@code Authorization} header value. */
  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private List<String> deployments() throws Exception {
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        var rs =
            statement.executeQuery(
                "SELECT model_id || ' ' || strategy FROM pgml.deployments ORDER BY id")) {
      List<String> rows = new java.util.ArrayList<>();
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
      return rows;
    }
  }

  private static HttpResponse<String> post(
      HttpClient client, String url, String body, boolean fromThePage) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", basic(FollowerIT.USER, FollowerIT.PASSWORD))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (fromThePage) {
      request.header("X-Requested-By", "pgml-follower");
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Order(2)
  void theDashboardShowsTheFollowersDataInChromium() throws Exception {
    installSuite();
    Path expectations = Files.createTempFile("dashboard-expectations", ".json");
    int rows = data.rows().size();
    json.writeValue(
        expectations.toFile(),
        Map.of(
            "project",
            "bc",
            "task",
            "classification",
            "models",
            2,
            "table",
            "public.breast_cancer",
            "tableRows",
            rows,
            "sampleRows",
            20,
            "sampleColumn",
            "mean_radius",
            "keyColumn",
            "id",
            "keyMin",
            (int) data.rows().stream().mapToDouble(r -> r[0]).min().orElseThrow(),
            "keyMax",
            (int) data.rows().stream().mapToDouble(r -> r[0]).max().orElseThrow()));
    JsonNode seen = browse(expectations);
    assertThat(seen.get("state").asText()).isEqualTo("STREAMING");
    assertThat(seen.get("modelRows").asInt()).isEqualTo(2);
    assertThat(seen.get("sampleRows").asInt()).isEqualTo(20);
    // The buttons deployed the other model, then rolled back to the first: as pgml.deploy would.
    String before = seen.at("/deployed/before").asText();
    String other = seen.at("/deployed/other").asText();
    assertThat(deployments()).endsWith(other + " specific", before + " rollback");
    for (String shot :
        List.of(
            "dashboard-overview.png",
            "dashboard-project.png",
            "dashboard-deployed.png",
            "dashboard-explorer.png")) {
      byte[] png = Files.readAllBytes(SHOTS.resolve(shot));
      assertThat(png).as(shot).hasSizeGreaterThan(10_000);
      assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).as(shot).isEqualTo("PNG");
    }
  }

  /**
   * Last: it adds a project. A hyperparameter search under way shows in /api/training and under
   * "Training now" with how many candidates it scored; canceled, it is gone from both.
   */
  @Test
  @Order(3)
  void aSearchUnderWayShowsItsProgress() throws Exception {
    // Far longer than the observations below need (hundreds of fits): it is canceled after them.
    Connection training = connect();
    Statement trainingStatement = training.createStatement();
    CompletableFuture<Void> search =
        CompletableFuture.runAsync(
            () -> {
              try {
                trainingStatement.execute(
                    "SELECT * FROM pgml.train('bc_search', 'classification',"
                        + " 'public.breast_cancer', 'target', 'random_forest', search => 'grid',"
                        + " search_params => '{\"n_estimators\": [100, 200, 300, 400, 500],"
                        + " \"max_depth\": [2, 4, 6, 8]}', search_args => '{\"cv\": 10}')");
              } catch (java.sql.SQLException e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            });
    HttpClient client = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + follower.adminPort();
    JsonNode running = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && !search.isDone()) {
      JsonNode all = json.readTree(get(client, base + "/api/training").body());
      if (all.size() == 1 && all.get(0).path("candidatesDone").asInt() >= 1) {
        running = all.get(0);
        break;
      }
      Thread.sleep(100);
    }
    assertThat(running).as("the search's progress, before it ended").isNotNull();
    assertThat(running.path("project").asText()).isEqualTo("bc_search");
    assertThat(running.path("algorithm").asText()).isEqualTo("random_forest");
    assertThat(running.path("stage").asText()).isEqualTo("searching");
    assertThat(running.path("candidates").asInt()).isEqualTo(20);

    installSuite();
    Path expectations = Files.createTempFile("dashboard-training", ".json");
    json.writeValue(expectations.toFile(), Map.of("trainingProject", "bc_search"));
    JsonNode seen = browse(expectations);
    assertThat(seen.path("trainingRow").asText())
        .contains("bc_search", "random_forest", "searching", "/ 20 candidates");

    trainingStatement.cancel();
    assertThatThrownBy(() -> search.get(2, TimeUnit.MINUTES))
        .hasRootCauseInstanceOf(java.sql.SQLException.class)
        .rootCause()
        .hasMessageContaining("cancel");
    training.close();
    assertThat(json.readTree(get(client, base + "/api/training").body())).isEmpty();
  }

  /**
   * Runs dashboard_test.mjs in Chromium against the follower with these expectations; what the page
   * showed, as the script's last output line.
   */
  private JsonNode browse(Path expectations) throws Exception {
    String output =
        run(
            List.of(
                "node",
                SUITE.resolve("dashboard_test.mjs").toString(),
                "http://127.0.0.1:" + follower.adminPort(),
                FollowerIT.USER,
                FollowerIT.PASSWORD,
                expectations.toString(),
                SHOTS.toString()));
    return json.readTree(output.lines().reduce((a, b) -> b).orElse("{}"));
  }

  private static void installSuite() throws Exception {
    if (!Files.isDirectory(SUITE.resolve("node_modules/playwright-core"))) {
      run(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefix", SUITE.toString()));
    }
    Files.createDirectories(SHOTS);
  }

  private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
    return get(client, url, FollowerIT.USER, FollowerIT.PASSWORD);
  }

  private static HttpResponse<String> get(
      HttpClient client, String url, String user, String password) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", basic(user, password))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Runs a command to its end; its output, with a failure naming the command and the output. */
  private static String run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("%s finished", command).isTrue();
    assertThat(process.exitValue()).as("%s exit status; output:%n%s", command, output).isZero();
    return output;
  }
}
