package io.pgmlfollower.serving.demo;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo answers the queries it prints, and cleans up after itself. */
class DemoIT {
  @Test
  void demoAnswersTheQueriesItPrints() throws Exception {
    java.nio.file.Path directory;
    try (Demo demo = Demo.start(0)) {
      String instructions = demo.instructions();
      assertThat(instructions).contains("psql -h 127.0.0.1 -p " + demo.endpointPort());
      List<String> queries = demo.exampleQueries();
      assertThat(queries).hasSize(3).allSatisfy(q -> assertThat(instructions).contains(q));
      try (Connection connection = demo.connect();
          Statement statement = connection.createStatement()) {
        try (ResultSet rs = statement.executeQuery(queries.get(0))) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(569);
        }
        try (ResultSet rs = statement.executeQuery(queries.get(1))) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString("algorithm")).isEqualTo("linear");
          assertThat(rs.getDouble("accuracy")).isGreaterThan(0.9);
        }
        try (ResultSet rs = statement.executeQuery(queries.get(2))) {
          assertThat(rs.next()).isTrue();
          assertThat(Math.round(rs.getFloat(1))).isEqualTo(demo.exampleLabel());
        }
      }
      // The dashboard it prints, signed in as it says.
      java.util.regex.Matcher dashboard =
          java.util.regex.Pattern.compile("http://127\\.0\\.0\\.1:\\d+/").matcher(instructions);
      assertThat(dashboard.find()).as(instructions).isTrue();
      String credentials =
          java.util.Base64.getEncoder()
              .encodeToString((Demo.USER + ":" + Demo.PASSWORD).getBytes(UTF_8));
      HttpResponse<String> projects =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(dashboard.group() + "api/projects"))
                      .header("Authorization", "Basic " + credentials)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(projects.statusCode()).isEqualTo(200);
      assertThat(projects.body()).contains("\"name\":\"" + Demo.PROJECT + "\"");
      directory = demo.directory();
    }
    assertThat(directory).doesNotExist();
  }
}
