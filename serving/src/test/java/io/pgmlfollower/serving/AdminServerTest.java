package io.pgmlfollower.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin endpoint's health answers, over real HTTP on a loopback port. */
class AdminServerTest {
  /**
   * Readiness as the test sets it: {@link #set} announces the change to the listeners as a source
   * does; {@code notReady.set} alone changes it unannounced, as lag does.
   */
  private final AtomicReference<String> notReady = new AtomicReference<>("replication is SNAPSHOT");

  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  /** How many times the server asked for the readiness: a waiting request asks once on arrival. */
  private final AtomicInteger checks = new AtomicInteger();

  private final HttpClient client = HttpClient.newHttpClient();
  private Vertx vertx;
  private AdminServer server;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server = start(false);
  }

  private AdminServer start(boolean unannounced) throws Exception {
    Readiness readiness =
        new Readiness() {
          @Override
          public String notReadyReason() {
            // Read, then count: a test that saw the count knows this read is done.
            String reason = notReady.get();
            checks.incrementAndGet();
            return reason;
          }

          @Override
          public void addListener(Runnable listener) {
            listeners.add(listener);
          }

          @Override
          public boolean changesUnannounced() {
            return unannounced;
          }
        };
    return AdminServer.start(vertx, "127.0.0.1", 0, readiness, () -> "# metrics\n");
  }

  private void set(String reason) {
    notReady.set(reason);
    listeners.forEach(Runnable::run);
  }

  private void awaitChecks(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (checks.get() < count) {
      assertThat(System.nanoTime() - deadline).as("the server checked readiness").isNegative();
      Thread.sleep(5);
    }
  }

  private CompletableFuture<HttpResponse<String>> waitForReady(AdminServer admin, int seconds) {
    return client.sendAsync(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + admin.port() + "/health/ready?wait=" + seconds))
            .build(),
        HttpResponse.BodyHandlers.ofString());
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
    var waiting = waitForReady(server, 60);
    var another = waitForReady(server, 60);
    awaitChecks(2);
    assertThat(waiting).isNotDone(); // held while not ready
    set("replication is STARTING"); // a change that leaves it not ready
    Thread.sleep(100);
    assertThat(waiting).isNotDone();
    set(null);
    for (var answered : List.of(waiting, another)) {
      HttpResponse<String> answer = answered.get(30, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo("ready\n");
    }
  }

  @Test
  void waitingRequestsAreAnsweredOnTheAnnouncedChangeNotByPolling() throws Exception {
    var waiting = waitForReady(server, 60);
    awaitChecks(1); // the request is held: set unannounced before, it would be answered at once
    notReady.set(null); // unannounced: a waiter that polled would answer now
    Thread.sleep(AdminServer.UNANNOUNCED_CHECK_MS * 5);
    assertThat(waiting).isNotDone();
    listeners.forEach(Runnable::run);
    assertThat(waiting.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }

  @Test
  void readinessThatChangesUnannouncedIsCheckedAgainWhileARequestWaits() throws Exception {
    try (AdminServer lagLimited = start(true)) {
      var waiting = waitForReady(lagLimited, 60);
      awaitChecks(1);
      assertThat(waiting).isNotDone();
      notReady.set(null); // the lag fell under the limit: nobody announces that
      HttpResponse<String> answer = waiting.get(30, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).isEqualTo(200);
    }
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
