package io.pgmlfollower.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin endpoint's health answers, over real HTTP on a loopback port. */
class AdminServerTest {
  private final AtomicReference<String> notReady = new AtomicReference<>("replication is SNAPSHOT");
  private final HttpClient client = HttpClient.newHttpClient();
  private Vertx vertx;
  private AdminServer server;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server = AdminServer.start(vertx, "127.0.0.1", 0, notReady::get, () -> "# metrics\n");
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readyAnswers503WithTheReasonThen200() throws Exception {
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    HttpResponse<String> notYet = get("/health/ready");
    assertThat(notYet.statusCode()).isEqualTo(503);
    assertThat(notYet.body()).isEqualTo("not ready: replication is SNAPSHOT\n");
    notReady.set(null);
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(get("/health/ready?wait=5").body()).isEqualTo("ready\n");
    assertThat(get("/health/ready?wait=soon").statusCode()).isEqualTo(400);
  }

  @Test
  void aWaitingRequestIsAnsweredWhenTheFollowerBecomesReady() throws Exception {
    var waiting =
        client.sendAsync(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/health/ready?wait=60"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Thread.sleep(100);
    assertThat(waiting).isNotDone(); // held while not ready
    notReady.set(null);
    HttpResponse<String> answer = waiting.get();
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("ready\n");
  }

  @Test
  void aWaitThatEndsFirstAnswers503AndABadWaitIs400() throws Exception {
    HttpResponse<String> timedOut = get("/health/ready?wait=0.05");
    assertThat(timedOut.statusCode()).isEqualTo(503);
    assertThat(timedOut.body()).contains("replication is SNAPSHOT");
    for (String wait : new String[] {"soon", "-1", "NaN", "99999"}) {
      HttpResponse<String> bad = get("/health/ready?wait=" + wait);
      assertThat(bad.statusCode()).as(wait).isEqualTo(400);
      assertThat(bad.body()).as(wait).contains("wait must be a number of seconds from 0 to 3600");
    }
  }
}
