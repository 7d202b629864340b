package io.pgmlfollower.pgwire;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.testing.PostgresFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * At least 100,000 hostile frames against a running endpoint: random bytes, frames of every
 * frontend type with random payloads, truncated frames, and frames whose length is negative or far
 * over the limit. The server must neither crash nor disturb a well-behaved session running
 * alongside (pgjdbc, local and passed-through queries, checked after every call), and must still
 * accept new connections at the end. The frames come from a seeded random source: a failure replays
 * with the seed printed in its message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProtocolFuzzIT {
  private static final int FRAMES = 100_000;
  private static final int MAX_MESSAGE_SIZE = 64 * 1024;
  private static final byte[] FRONTEND_TYPES = "QPBEDSHCXFdcfp".getBytes(StandardCharsets.US_ASCII);

  private PostgresFixture postgres;
  private TestEndpoint endpoint;
  private int port;

  @BeforeAll
  void start() throws SQLException {
    postgres = PostgresFixture.start();
    postgres.createDatabase("fuzz");
    postgres.execute(
        "fuzz",
        "CREATE TABLE t (id int PRIMARY KEY)",
        "INSERT INTO t SELECT generate_series(1, 42)",
        "CREATE ROLE fuzz_session LOGIN PASSWORD 'fuzz-pw'",
        "GRANT SELECT ON t TO fuzz_session");
    endpoint =
        TestEndpoint.start(
            postgres,
            "fuzz_session",
            "fuzz-pw",
            options -> options.setMaxMessageSize(MAX_MESSAGE_SIZE));
    port = endpoint.port();
  }

  @AfterAll
  void stop() {
    if (endpoint != null) {
      endpoint.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void hostileFramesNeitherCrashTheServerNorDisturbOtherSessions() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    AtomicBoolean fuzzing = new AtomicBoolean(true);
    AtomicInteger healthyCalls = new AtomicInteger();
    List<Throwable> healthyFailures = new ArrayList<>();
    Thread healthy =
        Thread.ofPlatform()
            .start(
                () -> {
                  try (Connection connection = connect();
                      Statement statement = connection.createStatement()) {
                    while (fuzzing.get()) {
                      try (ResultSet rs = statement.executeQuery("SELECT test.version()")) {
                        rs.next();
                        assertThat(rs.getString(1)).isEqualTo("test-1.0");
                      }
                      try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM t")) {
                        rs.next();
                        assertThat(rs.getInt(1)).isEqualTo(42);
                      }
                      healthyCalls.incrementAndGet();
                      Thread.sleep(1); // a steady client, not a second load generator
                    }
                  } catch (Throwable e) {
                    synchronized (healthyFailures) {
                      healthyFailures.add(e);
                    }
                  }
                });

    int sent = 0;
    int connections = 0;
    try {
      while (sent < FRAMES) {
        connections++;
        sent += fuzzOneConnection(random);
      }
    } finally {
      fuzzing.set(false);
      healthy.join();
    }

    assertThat(healthyFailures).as("the healthy session's failures (seed %d)", seed).isEmpty();
    assertThat(healthyCalls.get()).as("the healthy session kept working").isPositive();
    // Still serving: a new connection logs in and runs a query.
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT test.version()")) {
      assertThat(rs.next()).isTrue();
    }
    System.out.printf(
        "fuzz: %d frames over %d connections, %d healthy round trips alongside (seed %d)%n",
        sent, connections, healthyCalls.get(), seed);
  }

  /**
   * Logs in, then sends frames until 50 were sent or the server closed the connection; returns how
   * many were sent. Replies are read and dropped as they come, so the server is never blocked on a
   * full socket.
   */
  private int fuzzOneConnection(Random random) throws IOException {
    int sent = 0;
    try (RawClient client = RawClient.connect(port, "fuzzer", "fuzz")) {
      Socket socket = client.socket();
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      for (int i = 0; i < 50; i++) {
        byte[] frame = frame(random);
        try {
          out.write(frame);
          out.flush();
        } catch (IOException closedByServer) {
          return sent;
        }
        sent++;
        drain(in);
        if (frame.length >= 5 && frame[0] == 'X') {
          return sent; // Terminate: the server closes
        }
      }
    } catch (IOException closedByServer) {
      // The server closed the connection (as it should after a bad frame) while we read.
    }
    return sent;
  }

  private static void drain(InputStream in) throws IOException {
    int available = in.available();
    if (available > 0) {
      in.skipNBytes(available);
    }
  }

  private static byte[] frame(Random random) {
    int kind = random.nextInt(100);
    if (kind < 40) {
      // A frontend type with a random payload and a correct length.
      byte[] payload = new byte[random.nextInt(200)];
      random.nextBytes(payload);
      return ByteBuffer.allocate(5 + payload.length)
          .put(FRONTEND_TYPES[random.nextInt(FRONTEND_TYPES.length)])
          .putInt(4 + payload.length)
          .put(payload)
          .array();
    }
    if (kind < 60) {
      // Truncated: the header promises more than follows (the rest never comes before the next).
      byte[] payload = new byte[random.nextInt(64)];
      random.nextBytes(payload);
      return ByteBuffer.allocate(5 + payload.length)
          .put(FRONTEND_TYPES[random.nextInt(FRONTEND_TYPES.length)])
          .putInt(4 + payload.length + 1 + random.nextInt(1000))
          .put(payload)
          .array();
    }
    if (kind < 75) {
      // A length that is negative, below the header's own 4 bytes, or far over the limit.
      int[] lengths = {-1, 0, 3, Integer.MIN_VALUE, Integer.MAX_VALUE, MAX_MESSAGE_SIZE * 16};
      return ByteBuffer.allocate(5)
          .put(FRONTEND_TYPES[random.nextInt(FRONTEND_TYPES.length)])
          .putInt(lengths[random.nextInt(lengths.length)])
          .array();
    }
    byte[] garbage = new byte[1 + random.nextInt(64)];
    random.nextBytes(garbage);
    return garbage;
  }

  private Connection connect() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", "healthy");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/fuzz", properties);
  }
}
