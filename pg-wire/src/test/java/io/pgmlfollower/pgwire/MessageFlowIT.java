package io.pgmlfollower.pgwire;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.pgwire.RawClient.Message;
import io.pgmlfollower.testing.PostgresFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every frontend message of the protocol after start-up (the start-up and authentication messages
 * are {@code ClientConnectionTest}'s), sent as raw bytes, and every backend message it brings,
 * checked byte for byte: for statements the endpoint answers itself (the {@code test.*} functions
 * of {@link TestSessionHandler}) and for statements passed through to a real PostgreSQL, whose
 * answers must reach the client unchanged. Message formats:
 * https://www.postgresql.org/docs/current/protocol-message-formats.html.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MessageFlowIT {
  private static final String DATABASE = "flow";
  private static final String USER = "flow_user";
  private static final int INT4 = 23;
  private static final int INT8 = 20;
  private static final int TEXT = 25;

  private PostgresFixture postgres;
  private TestEndpoint endpoint;
  private int port;
  private int tableOid;

  @BeforeAll
  void start() throws SQLException {
    postgres = PostgresFixture.start();
    postgres.createDatabase(DATABASE);
    postgres.execute(
        DATABASE,
        "CREATE TABLE t (id int PRIMARY KEY, label text)",
        "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, NULL)",
        "CREATE ROLE flow_session LOGIN PASSWORD 'flow-pw'",
        "GRANT SELECT, INSERT ON t TO flow_session");
    try (Connection connection = postgres.connectAsSuperuser(DATABASE);
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT 't'::regclass::oid")) {
      rs.next();
      tableOid = rs.getInt(1);
    }
    endpoint = TestEndpoint.start(postgres, "flow_session", "flow-pw", options -> options);
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

  // ------------------------------------------------------------------ frontend messages

  private static byte[] query(String sql) {
    return Bytes.of().cstring(sql).message('Q');
  }

  private static byte[] parse(String name, String sql, int... parameterTypes) {
    Bytes parse = Bytes.of().cstring(name).cstring(sql).int16(parameterTypes.length);
    for (int type : parameterTypes) {
      parse.int32(type);
    }
    return parse.message('P');
  }

  /** Bind with one format code for all parameters and per-column result formats. */
  private static byte[] bind(
      String portal, String statement, int parameterFormat, byte[][] values, int... resultFormats) {
    Bytes bind = Bytes.of().cstring(portal).cstring(statement);
    bind.int16(values.length == 0 ? 0 : 1);
    if (values.length > 0) {
      bind.int16(parameterFormat);
    }
    bind.int16(values.length);
    for (byte[] value : values) {
      bind.value(value);
    }
    bind.int16(resultFormats.length);
    for (int format : resultFormats) {
      bind.int16(format);
    }
    return bind.message('B');
  }

  private static byte[] describe(char kind, String name) {
    return Bytes.of().int8(kind).cstring(name).message('D');
  }

  private static byte[] execute(String portal, int maxRows) {
    return Bytes.of().cstring(portal).int32(maxRows).message('E');
  }

  private static byte[] close(char kind, String name) {
    return Bytes.of().int8(kind).cstring(name).message('C');
  }

  private static byte[] sync() {
    return Bytes.of().message('S');
  }

  private static byte[] flush() {
    return Bytes.of().message('H');
  }

  private static byte[] int8Value(long value) {
    return Bytes.of().int64(value).payload();
  }

  private static byte[] utf8(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------ expected backend payloads

  /** One RowDescription field: name, table OID, attnum, type OID, typlen, typmod, format. */
  private record Field(String name, int table, int attnum, int type, int length, int format) {}

  private static byte[] rowDescription(Field... fields) {
    Bytes row = Bytes.of().int16(fields.length);
    for (Field field : fields) {
      row.cstring(field.name())
          .int32(field.table())
          .int16(field.attnum())
          .int32(field.type())
          .int16(field.length())
          .int32(-1)
          .int16(field.format());
    }
    return row.payload();
  }

  private static byte[] dataRow(byte[]... values) {
    Bytes row = Bytes.of().int16(values.length);
    for (byte[] value : values) {
      row.value(value);
    }
    return row.payload();
  }

  private static byte[] complete(String tag) {
    return Bytes.of().cstring(tag).payload();
  }

  private static byte[] ready(char status) {
    return Bytes.of().int8(status).payload();
  }

  private static final byte[] EMPTY = new byte[0];

  // ------------------------------------------------------------------ reading

  private RawClient connect() throws IOException {
    return RawClient.connect(port, USER, DATABASE);
  }

  private static List<Message> untilReady(RawClient client) throws IOException {
    List<Message> messages = new ArrayList<>();
    Message message;
    do {
      message = client.readMessage();
      messages.add(message);
    } while (message.type() != 'Z');
    return messages;
  }

  private static String types(List<Message> messages) {
    return messages.stream().map(m -> String.valueOf(m.type())).collect(Collectors.joining());
  }

  private static void assertMessage(Message message, char type, byte[] payload) {
    assertThat(message.type()).as("message type").isEqualTo(type);
    assertThat(message.payload()).as("payload of '%s'", type).isEqualTo(payload);
  }

  private static Map<Character, String> fields(Message message) {
    assertThat(message.type()).isEqualTo('E');
    Map<Character, String> fields = new LinkedHashMap<>();
    byte[] payload = message.payload();
    int at = 0;
    while (payload[at] != 0) {
      int end = at + 1;
      while (payload[end] != 0) {
        end++;
      }
      fields.put(
          (char) payload[at], new String(payload, at + 1, end - at - 1, StandardCharsets.UTF_8));
      at = end + 1;
    }
    return fields;
  }

  // ------------------------------------------------------------------ Query

  @Test
  void queryWithSeveralStatementsAnswersEachThenOneReadyForQuery() throws IOException {
    try (RawClient client = connect()) {
      client.send(
          query(
              "SELECT 1 AS a; SELECT test.version(); SELECT id, label FROM t WHERE id <= 3 ORDER BY id"));
      List<Message> messages = untilReady(client);
      assertThat(types(messages)).isEqualTo("TDCTDCTDDDCZ");
      assertMessage(messages.get(0), 'T', rowDescription(new Field("a", 0, 0, INT4, 4, 0)));
      assertMessage(messages.get(1), 'D', dataRow(utf8("1")));
      assertMessage(messages.get(2), 'C', complete("SELECT 1"));
      assertMessage(messages.get(3), 'T', rowDescription(new Field("version", 0, 0, TEXT, -1, 0)));
      assertMessage(messages.get(4), 'D', dataRow(utf8("test-1.0")));
      assertMessage(messages.get(5), 'C', complete("SELECT 1"));
      assertMessage(
          messages.get(6),
          'T',
          rowDescription(
              new Field("id", tableOid, 1, INT4, 4, 0),
              new Field("label", tableOid, 2, TEXT, -1, 0)));
      assertMessage(messages.get(7), 'D', dataRow(utf8("1"), utf8("one")));
      assertMessage(messages.get(9), 'D', dataRow(utf8("3"), null));
      assertMessage(messages.get(10), 'C', complete("SELECT 3"));
      assertMessage(messages.get(11), 'Z', ready('I'));
    }
  }

  @Test
  void emptyQueriesAnswerEmptyQueryResponse() throws IOException {
    try (RawClient client = connect()) {
      for (String empty : List.of("", "   ", ";", " ; ;")) {
        client.send(query(empty));
        List<Message> messages = untilReady(client);
        assertThat(types(messages)).as("for %s", empty).isEqualTo("IZ");
        assertMessage(messages.get(0), 'I', EMPTY);
      }
    }
  }

  @Test
  void transactionStatusFollowsBeginFailureAndRollback() throws IOException {
    try (RawClient client = connect()) {
      client.send(query("BEGIN"));
      List<Message> begin = untilReady(client);
      assertMessage(begin.get(0), 'C', complete("BEGIN"));
      assertMessage(begin.get(1), 'Z', ready('T'));

      client.send(query("SELECT test.fail()"));
      List<Message> failed = untilReady(client);
      // As PostgreSQL does for an error raised while rows are produced: the description first.
      assertThat(types(failed)).isEqualTo("TEZ");
      assertThat(fields(failed.get(1)))
          .containsEntry('S', "ERROR")
          .containsEntry('V', "ERROR")
          .containsEntry('C', "22023")
          .containsEntry('M', "test.fail() always fails")
          .containsEntry('H', "Call something else.");
      assertMessage(failed.get(2), 'Z', ready('E'));

      for (String sql : List.of("SELECT 1", "SELECT test.version()")) {
        client.send(query(sql));
        List<Message> refused = untilReady(client);
        assertThat(types(refused)).isEqualTo("EZ");
        assertThat(fields(refused.get(0))).containsEntry('C', "25P02");
        assertMessage(refused.get(1), 'Z', ready('E'));
      }

      client.send(query("ROLLBACK"));
      List<Message> rollback = untilReady(client);
      assertMessage(rollback.get(0), 'C', complete("ROLLBACK"));
      assertMessage(rollback.get(1), 'Z', ready('I'));
    }
  }

  @Test
  void noticesAndParameterStatusChangesPassThrough() throws IOException {
    try (RawClient client = connect()) {
      client.send(query("DO $$ BEGIN RAISE NOTICE 'hello %', 42; END $$"));
      List<Message> notice = untilReady(client);
      assertThat(types(notice)).isEqualTo("NCZ");
      String noticeText = new String(notice.get(0).payload(), StandardCharsets.UTF_8);
      assertThat(noticeText).contains("SNOTICE\0").contains("C00000\0").contains("Mhello 42\0");
      assertMessage(notice.get(1), 'C', complete("DO"));

      client.send(query("SET application_name = 'flow-test'"));
      List<Message> set = untilReady(client);
      assertThat(types(set)).isEqualTo("CSZ");
      assertMessage(
          set.get(1), 'S', Bytes.of().cstring("application_name").cstring("flow-test").payload());
      assertMessage(set.get(0), 'C', complete("SET"));
    }
  }

  @Test
  void notificationsReachTheListeningClient() throws IOException {
    try (RawClient client = connect()) {
      client.send(query("LISTEN flow_channel"));
      assertThat(types(untilReady(client))).isEqualTo("CZ");
      client.send(query("NOTIFY flow_channel, 'payload-1'"));
      List<Message> messages = untilReady(client);
      assertThat(types(messages)).isEqualTo("CAZ");
      byte[] notification = messages.get(1).payload();
      // Int32 sender pid (the upstream backend's), then channel and payload.
      byte[] afterPid = Arrays.copyOfRange(notification, 4, notification.length);
      assertThat(afterPid)
          .isEqualTo(Bytes.of().cstring("flow_channel").cstring("payload-1").payload());
    }
  }

  // ------------------------------------------------------------------ extended protocol

  @Test
  void namedStatementAndPortalOfALocalStatementGoThroughEveryStep() throws IOException {
    try (RawClient client = connect()) {
      client.send(
          Bytes.concat(
              parse("add", "SELECT test.add($1, $2)", INT8, INT8),
              describe('S', "add"),
              bind("p", "add", 1, new byte[][] {int8Value(2), int8Value(40)}, 1),
              describe('P', "p"),
              execute("p", 0),
              close('P', "p"),
              close('S', "add"),
              sync()));
      List<Message> messages = untilReady(client);
      assertThat(types(messages)).isEqualTo("1tT2TDC33Z");
      assertMessage(messages.get(0), '1', EMPTY);
      assertMessage(messages.get(1), 't', Bytes.of().int16(2).int32(INT8).int32(INT8).payload());
      assertMessage(messages.get(2), 'T', rowDescription(new Field("add", 0, 0, INT8, 8, 0)));
      assertMessage(messages.get(3), '2', EMPTY);
      // Describe of the portal reports the formats Bind asked for: binary here.
      assertMessage(messages.get(4), 'T', rowDescription(new Field("add", 0, 0, INT8, 8, 1)));
      assertMessage(messages.get(5), 'D', dataRow(int8Value(42)));
      assertMessage(messages.get(6), 'C', complete("SELECT 1"));
      assertMessage(messages.get(7), '3', EMPTY);
      assertMessage(messages.get(8), '3', EMPTY);
      assertMessage(messages.get(9), 'Z', ready('I'));

      // Closed means gone: binding the statement again is an error until Sync.
      client.send(Bytes.concat(bind("", "add", 0, new byte[0][]), execute("", 0), sync()));
      List<Message> gone = untilReady(client);
      assertThat(types(gone)).isEqualTo("EZ");
      assertThat(fields(gone.get(0))).containsEntry('C', "26000");
    }
  }

  @Test
  void perColumnResultFormatsAreHonouredForForwardedStatements() throws IOException {
    try (RawClient client = connect()) {
      client.send(
          Bytes.concat(
              parse("", "SELECT id, label, id::int8 AS big FROM t WHERE id = $1", INT4),
              bind("", "", 0, new byte[][] {utf8("2")}, 0, 0, 1),
              describe('P', ""),
              execute("", 0),
              sync()));
      List<Message> messages = untilReady(client);
      assertThat(types(messages)).isEqualTo("12TDCZ");
      assertMessage(
          messages.get(2),
          'T',
          rowDescription(
              new Field("id", tableOid, 1, INT4, 4, 0),
              new Field("label", tableOid, 2, TEXT, -1, 0),
              new Field("big", 0, 0, INT8, 8, 1)));
      assertMessage(messages.get(3), 'D', dataRow(utf8("2"), utf8("two"), int8Value(2)));
    }
  }

  @Test
  void describeOfAStatementWithoutRowsAnswersNoData() throws IOException {
    try (RawClient client = connect()) {
      client.send(
          Bytes.concat(parse("set", "SET application_name = 'x'"), describe('S', "set"), sync()));
      List<Message> messages = untilReady(client);
      assertThat(types(messages)).isEqualTo("1tnZ");
      assertMessage(messages.get(1), 't', Bytes.of().int16(0).payload());
      assertMessage(messages.get(2), 'n', EMPTY);
    }
  }

  @Test
  void executeWithARowLimitSuspendsThePortalLocalAndForwarded() throws IOException {
    try (RawClient client = connect()) {
      byte[][] five = {utf8("5")};
      // Local: test.series(5) in pages of 2.
      client.send(
          Bytes.concat(
              parse("", "SELECT test.series($1)", INT4),
              bind("page", "", 0, five),
              execute("page", 2),
              execute("page", 2),
              execute("page", 2),
              sync()));
      List<Message> local = untilReady(client);
      assertThat(types(local)).isEqualTo("12DDsDDsDCZ");
      assertMessage(local.get(2), 'D', dataRow(utf8("1")));
      assertMessage(local.get(4), 's', EMPTY);
      assertMessage(local.get(8), 'D', dataRow(utf8("5")));
      assertMessage(local.get(9), 'C', complete("SELECT 1"));

      // Forwarded, the same shape from PostgreSQL itself.
      client.send(
          Bytes.concat(
              parse("", "SELECT generate_series(1, $1)", INT4),
              bind("page", "", 0, five),
              execute("page", 2),
              execute("page", 2),
              execute("page", 2),
              sync()));
      List<Message> forwarded = untilReady(client);
      assertThat(types(forwarded)).isEqualTo("12DDsDDsDCZ");
      assertMessage(forwarded.get(9), 'C', complete("SELECT 1"));
    }
  }

  @Test
  void flushSendsWhatIsPendingWithoutEndingTheGroup() throws IOException {
    try (RawClient client = connect()) {
      client.send(Bytes.concat(parse("v", "SELECT test.version()"), describe('S', "v"), flush()));
      assertMessage(client.readMessage(), '1', EMPTY);
      assertMessage(client.readMessage(), 't', Bytes.of().int16(0).payload());
      assertMessage(
          client.readMessage(), 'T', rowDescription(new Field("version", 0, 0, TEXT, -1, 0)));
      client.send(Bytes.concat(parse("x", "SELECT 7 AS seven"), describe('S', "x"), flush()));
      assertMessage(client.readMessage(), '1', EMPTY);
      assertMessage(client.readMessage(), 't', Bytes.of().int16(0).payload());
      assertMessage(
          client.readMessage(), 'T', rowDescription(new Field("seven", 0, 0, INT4, 4, 0)));
      client.send(sync());
      assertMessage(client.readMessage(), 'Z', ready('I'));
    }
  }

  @Test
  void anErrorDiscardsTheRestOfTheGroupUntilSync() throws IOException {
    try (RawClient client = connect()) {
      for (String failing : List.of("SELECT test.fail()", "SELECT * FROM no_such_table")) {
        client.send(
            Bytes.concat(
                parse("", failing),
                bind("", "", 0, new byte[0][]),
                execute("", 0),
                parse("", "SELECT 1"),
                bind("", "", 0, new byte[0][]),
                execute("", 0),
                sync(),
                parse("", "SELECT test.version()"),
                bind("", "", 0, new byte[0][]),
                execute("", 0),
                sync()));
        List<Message> group = untilReady(client);
        // A local failure comes at Execute (after ParseComplete and BindComplete); PostgreSQL's
        // at Parse. Either way nothing more until the Sync.
        assertThat(types(group)).as(failing).matches("(12)?EZ");
        assertThat(fields(group.get(group.size() - 2)).get('C')).isIn("22023", "42P01");
        assertMessage(group.get(group.size() - 1), 'Z', ready('I'));
        List<Message> next = untilReady(client);
        assertThat(types(next)).isEqualTo("12DCZ");
        assertMessage(next.get(2), 'D', dataRow(utf8("test-1.0")));
      }
    }
  }

  @Test
  void closingWhatDoesNotExistIsNotAnError() throws IOException {
    try (RawClient client = connect()) {
      client.send(Bytes.concat(close('S', "never"), close('P', "never"), sync()));
      List<Message> messages = untilReady(client);
      assertThat(types(messages)).isEqualTo("33Z");
    }
  }

  // ------------------------------------------------------------------ COPY and FunctionCall

  @Test
  void copyFromStdinTakesCopyDataAndCopyDone() throws IOException, SQLException {
    try (RawClient client = connect()) {
      client.send(query("COPY t (id, label) FROM STDIN"));
      Message copyIn = client.readMessage();
      // Overall format text (0), 2 columns, each text.
      assertMessage(copyIn, 'G', Bytes.of().int8(0).int16(2).int16(0).int16(0).payload());
      client.send(
          Bytes.concat(
              Bytes.of().raw(utf8("10\tten\n")).message('d'),
              Bytes.of().raw(utf8("11\t\\N\n")).message('d'),
              Bytes.of().message('c')));
      List<Message> done = untilReady(client);
      assertThat(types(done)).isEqualTo("CZ");
      assertMessage(done.get(0), 'C', complete("COPY 2"));

      client.send(query("COPY t (id, label) FROM STDIN"));
      assertThat(client.readMessage().type()).isEqualTo('G');
      client.send(
          Bytes.concat(
              Bytes.of().raw(utf8("12\ttwelve\n")).message('d'),
              Bytes.of().cstring("client gave up").message('f')));
      List<Message> failed = untilReady(client);
      assertThat(types(failed)).isEqualTo("EZ");
      assertThat(fields(failed.get(0)))
          .containsEntry('C', "57014")
          .hasEntrySatisfying('M', m -> assertThat(m).contains("client gave up"));
    }
    try (Connection connection = postgres.connectAsSuperuser(DATABASE);
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT string_agg(id::text, ',') FROM t")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("1,2,3,10,11");
    }
  }

  @Test
  void copyToStdoutStreamsCopyData() throws IOException {
    try (RawClient client = connect()) {
      client.send(query("COPY (SELECT id, label FROM t WHERE id <= 3 ORDER BY id) TO STDOUT"));
      List<Message> messages = untilReady(client);
      assertThat(types(messages)).isEqualTo("HdddcCZ");
      assertMessage(messages.get(0), 'H', Bytes.of().int8(0).int16(2).int16(0).int16(0).payload());
      assertMessage(messages.get(1), 'd', utf8("1\tone\n"));
      assertMessage(messages.get(3), 'd', utf8("3\t\\N\n"));
      assertMessage(messages.get(4), 'c', EMPTY);
      assertMessage(messages.get(5), 'C', complete("COPY 3"));
    }
  }

  @Test
  void functionCallIsPassedThrough() throws IOException, SQLException {
    int absOid;
    try (Connection connection = postgres.connectAsSuperuser(DATABASE);
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT 'int4abs'::regproc::oid")) {
      rs.next();
      absOid = rs.getInt(1);
    }
    try (RawClient client = connect()) {
      // FunctionCall: oid, argument formats (one: binary), arguments, result format (binary).
      client.send(
          Bytes.of()
              .int32(absOid)
              .int16(1)
              .int16(1)
              .int16(1)
              .value(Bytes.of().int32(-17).payload())
              .int16(1)
              .message('F'));
      List<Message> messages = untilReady(client);
      assertThat(types(messages)).isEqualTo("VZ");
      assertMessage(
          messages.get(0), 'V', Bytes.of().value(Bytes.of().int32(17).payload()).payload());
    }
  }

  // ------------------------------------------------------------------ Terminate

  @Test
  void terminateClosesTheConnectionWithoutAnswer() throws IOException {
    try (RawClient client = connect()) {
      client.send(Bytes.of().message('X'));
      assertThat(client.atEndOfStream()).isTrue();
    }
  }
}
