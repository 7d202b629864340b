package io.pgmlfollower.replicator.pgoutput;

import static io.pgmlfollower.replicator.pgoutput.MessageBytes.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.connection.Lsn;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PgOutputDecoderTest {
  private static final Instant COMMIT_TIME = Instant.parse("2024-05-06T07:08:09.123456Z");

  private final PgOutputDecoder decoder = new PgOutputDecoder();

  @Test
  void decodesBegin() throws ReplicatorException {
    ByteBuffer bytes = type('B').int64(0x16_B374_D848L).timestamp(COMMIT_TIME).int32(743).buffer();

    assertThat(decoder.decode(bytes))
        .isEqualTo(new BeginMessage(Lsn.parse("16/B374D848"), COMMIT_TIME, 743));
  }

  @Test
  void decodesCommit() throws ReplicatorException {
    ByteBuffer bytes =
        type('C').int8(0).int64(0x1000L).int64(0x1038L).timestamp(COMMIT_TIME).buffer();

    assertThat(decoder.decode(bytes))
        .isEqualTo(new CommitMessage(0, Lsn.of(0x1000), Lsn.of(0x1038), COMMIT_TIME));
  }

  @Test
  void decodesTimestampsBeforeThePostgresEpoch() throws ReplicatorException {
    Instant early = Instant.parse("1999-12-31T23:59:59.999999Z");
    ByteBuffer bytes = type('B').int64(1).int64(-1).int32(1).buffer();

    assertThat(((BeginMessage) decoder.decode(bytes)).commitTime()).isEqualTo(early);
  }

  @Test
  void decodesOrigin() throws ReplicatorException {
    ByteBuffer bytes = type('O').int64(0xABCDL).string("pg_16385").buffer();

    assertThat(decoder.decode(bytes)).isEqualTo(new OriginMessage(Lsn.of(0xABCD), "pg_16385"));
  }

  @Test
  void decodesRelation() throws ReplicatorException {
    ByteBuffer bytes =
        type('R')
            .int32(16_385)
            .string("public")
            .string("Users")
            .int8('d')
            .int16(3)
            .int8(1)
            .string("id")
            .int32(20)
            .int32(-1)
            .int8(0)
            .string("naïve name")
            .int32(1043)
            .int32(68)
            .int8(0)
            .string("score")
            .int32(1700)
            .int32(655_366)
            .buffer();

    assertThat(decoder.decode(bytes))
        .isEqualTo(
            new RelationMessage(
                16_385,
                "public",
                "Users",
                'd',
                List.of(
                    new RelationMessage.Column(true, "id", 20, -1),
                    new RelationMessage.Column(false, "naïve name", 1043, 68),
                    new RelationMessage.Column(false, "score", 1700, 655_366))));
  }

  @Test
  void decodesRelationIdsAboveTwoToThe31AsUnsignedBits() throws ReplicatorException {
    ByteBuffer bytes =
        type('R').int32(0xFFFF_FFF0).string("").string("t").int8('f').int16(0).buffer();

    RelationMessage relation = (RelationMessage) decoder.decode(bytes);

    assertThat(Integer.toUnsignedLong(relation.relationId())).isEqualTo(0xFFFF_FFF0L);
    assertThat(relation.namespace()).isEmpty();
    assertThat(relation.replicaIdentity()).isEqualTo('f');
  }

  @Test
  void decodesType() throws ReplicatorException {
    ByteBuffer bytes = type('Y').int32(16_400).string("public").string("mood").buffer();

    assertThat(decoder.decode(bytes)).isEqualTo(new TypeMessage(16_400, "public", "mood"));
  }

  @Test
  void decodesInsertWithEveryValueKind() throws ReplicatorException {
    byte[] binary = {0, 0, 0, 42};
    ByteBuffer bytes =
        type('I')
            .int32(16_385)
            .int8('N')
            .int16(5)
            .text("42")
            .int8('n')
            .text("héllo, wörld")
            .int8('b')
            .int32(4)
            .bytes(binary)
            .text("")
            .buffer();

    InsertMessage insert = (InsertMessage) decoder.decode(bytes);

    assertThat(insert.relationId()).isEqualTo(16_385);
    TupleData tuple = insert.newTuple();
    assertThat(tuple.size()).isEqualTo(5);
    assertThat(tuple.get(0).text()).isEqualTo("42");
    assertThat(tuple.get(1).kind()).isEqualTo(TupleData.Kind.NULL);
    assertThat(tuple.get(2).text()).isEqualTo("héllo, wörld");
    assertThat(tuple.get(3).kind()).isEqualTo(TupleData.Kind.BINARY);
    assertThat(tuple.get(3).bytes()).containsExactly(binary);
    assertThat(tuple.get(4).text()).isEmpty();
  }

  @Test
  void decodesUpdateWithoutOldTupleAndWithUnchangedToast() throws ReplicatorException {
    ByteBuffer bytes =
        type('U').int32(7).int8('N').int16(3).text("1").int8('u').text("new").buffer();

    UpdateMessage update = (UpdateMessage) decoder.decode(bytes);

    assertThat(update.relationId()).isEqualTo(7);
    assertThat(update.oldTupleKind()).isEqualTo(OldTupleKind.NONE);
    assertThat(update.oldTuple()).isEmpty();
    assertThat(update.newTuple().values())
        .extracting(TupleData.Value::kind)
        .containsExactly(TupleData.Kind.TEXT, TupleData.Kind.UNCHANGED_TOAST, TupleData.Kind.TEXT);
    assertThat(update.newTuple().get(2).text()).isEqualTo("new");
  }

  @Test
  void decodesUpdateOfTheKeyWithOldKeyTuple() throws ReplicatorException {
    ByteBuffer bytes =
        type('U')
            .int32(7)
            .int8('K')
            .int16(2)
            .text("1")
            .int8('n')
            .int8('N')
            .int16(2)
            .text("2")
            .text("x")
            .buffer();

    UpdateMessage update = (UpdateMessage) decoder.decode(bytes);

    assertThat(update.oldTupleKind()).isEqualTo(OldTupleKind.KEY);
    assertThat(texts(update.oldTuple().orElseThrow())).containsExactly("1", null);
    assertThat(texts(update.newTuple())).containsExactly("2", "x");
  }

  @Test
  void decodesUpdateWithFullOldRow() throws ReplicatorException {
    ByteBuffer bytes =
        type('U')
            .int32(7)
            .int8('O')
            .int16(2)
            .text("1")
            .text("a")
            .int8('N')
            .int16(2)
            .text("1")
            .text("b")
            .buffer();

    UpdateMessage update = (UpdateMessage) decoder.decode(bytes);

    assertThat(update.oldTupleKind()).isEqualTo(OldTupleKind.FULL);
    assertThat(texts(update.oldTuple().orElseThrow())).containsExactly("1", "a");
    assertThat(texts(update.newTuple())).containsExactly("1", "b");
  }

  @Test
  void decodesDeleteByKeyAndByFullRow() throws ReplicatorException {
    ByteBuffer byKey = type('D').int32(9).int8('K').int16(2).text("5").int8('n').buffer();
    ByteBuffer byRow = type('D').int32(9).int8('O').int16(2).text("5").text("e").buffer();

    DeleteMessage keyDelete = (DeleteMessage) decoder.decode(byKey);
    DeleteMessage rowDelete = (DeleteMessage) decoder.decode(byRow);

    assertThat(keyDelete.relationId()).isEqualTo(9);
    assertThat(keyDelete.oldTupleKind()).isEqualTo(OldTupleKind.KEY);
    assertThat(texts(keyDelete.oldTuple())).containsExactly("5", null);
    assertThat(rowDelete.oldTupleKind()).isEqualTo(OldTupleKind.FULL);
    assertThat(texts(rowDelete.oldTuple())).containsExactly("5", "e");
  }

  @Test
  void decodesTruncateOfSeveralRelations() throws ReplicatorException {
    ByteBuffer bytes = type('T').int32(3).int8(3).int32(10).int32(11).int32(12).buffer();

    assertThat(decoder.decode(bytes))
        .isEqualTo(new TruncateMessage(List.of(10, 11, 12), true, true));
  }

  @Test
  void decodesTruncateWithoutOptions() throws ReplicatorException {
    ByteBuffer bytes = type('T').int32(1).int8(0).int32(10).buffer();

    assertThat(decoder.decode(bytes)).isEqualTo(new TruncateMessage(List.of(10), false, false));
  }

  @Test
  void decodesLogicalDecodingMessage() throws ReplicatorException {
    byte[] content = "{\"heartbeat\":1}".getBytes(StandardCharsets.UTF_8);
    ByteBuffer bytes =
        type('M')
            .int8(1)
            .int64(0x2000L)
            .string("pgml")
            .int32(content.length)
            .bytes(content)
            .buffer();

    LogicalDecodingMessage message = (LogicalDecodingMessage) decoder.decode(bytes);

    assertThat(message.transactional()).isTrue();
    assertThat(message.lsn()).isEqualTo(Lsn.of(0x2000));
    assertThat(message.prefix()).isEqualTo("pgml");
    assertThat(message.content()).containsExactly(content);
  }

  @Test
  void decodesNonTransactionalMessageWithEmptyContent() throws ReplicatorException {
    ByteBuffer bytes = type('M').int8(0).int64(1L).string("p").int32(0).buffer();

    LogicalDecodingMessage message = (LogicalDecodingMessage) decoder.decode(bytes);

    assertThat(message.transactional()).isFalse();
    assertThat(message.content()).isEmpty();
  }

  @Test
  void rejectsTruncatedMessage() {
    byte[] whole = type('B').int64(1).timestamp(COMMIT_TIME).int32(1).toByteArray();
    ByteBuffer truncated = ByteBuffer.wrap(Arrays.copyOf(whole, whole.length - 2));

    assertProtocolViolation(truncated, "truncated");
  }

  @Test
  void rejectsValueLongerThanTheMessage() {
    ByteBuffer bytes = type('I').int32(1).int8('N').int16(1).int8('t').int32(100).buffer();

    assertProtocolViolation(bytes, "value length 100");
  }

  @Test
  void rejectsUnterminatedString() {
    ByteBuffer bytes = type('O').int64(1).bytes("abc".getBytes(StandardCharsets.UTF_8)).buffer();

    assertProtocolViolation(bytes, "unterminated string");
  }

  @Test
  void rejectsTrailingBytes() {
    ByteBuffer bytes = type('Y').int32(1).string("s").string("t").int8(0).buffer();

    assertProtocolViolation(bytes, "unexpected bytes");
  }

  @Test
  void rejectsUnknownMessageAndValueKinds() {
    assertProtocolViolation(type('Z').buffer(), "unknown pgoutput message type 0x5a");
    assertProtocolViolation(
        type('I').int32(1).int8('N').int16(1).int8('x').buffer(), "unknown value kind 0x78");
    assertProtocolViolation(type('I').int32(1).int8('K').buffer(), "expected 'N'");
    assertProtocolViolation(type('D').int32(1).int8('N').buffer(), "expected 'K' or 'O'");
  }

  @Test
  void refusesStreamingMessagesOfProtocolVersion2() {
    ByteBuffer streamStart = type('S').int32(900).int8(1).buffer();

    assertThatThrownBy(() -> decoder.decode(streamStart))
        .isInstanceOf(ReplicatorException.class)
        .hasMessageContaining("protocol version 2")
        .extracting(e -> ((ReplicatorException) e).code())
        .isEqualTo(ReplicatorErrorCode.UNSUPPORTED);
  }

  @Test
  void protocolVersion2PrefixesChangesInsideAStreamBlockWithTheirXid() throws ReplicatorException {
    PgOutputDecoder v2 = new PgOutputDecoder(PgOutputDecoder.PROTOCOL_VERSION_2);
    byte[] insertBody = type('I').int32(16_385).int8('N').int16(1).text("7").toByteArray();
    ByteBuffer insideStream =
        ByteBuffer.wrap(
            type('I').int32(901).int32(16_385).int8('N').int16(1).text("7").toByteArray());

    assertThat(v2.decode(type('S').int32(900).int8(1).buffer()))
        .isEqualTo(new StreamStartMessage(900, true));
    PgOutputMessage streamed = v2.decode(insideStream);
    assertThat(v2.decode(type('E').buffer())).isEqualTo(new StreamStopMessage());
    // Outside a stream block the same message has no prefix.
    PgOutputMessage plain = v2.decode(ByteBuffer.wrap(insertBody));
    assertThat(
            v2.decode(
                type('c')
                    .int32(900)
                    .int8(0)
                    .int64(0x2000L)
                    .int64(0x2038L)
                    .timestamp(COMMIT_TIME)
                    .buffer()))
        .isEqualTo(new StreamCommitMessage(900, 0, Lsn.of(0x2000), Lsn.of(0x2038), COMMIT_TIME));
    assertThat(v2.decode(type('A').int32(900).int32(905).buffer()))
        .isEqualTo(new StreamAbortMessage(900, 905));

    assertThat(streamed).isInstanceOf(StreamedMessage.class);
    StreamedMessage inStream = (StreamedMessage) streamed;
    assertThat(inStream.xid()).isEqualTo(901);
    assertThat(inStream.size()).isEqualTo(insideStream.capacity());
    InsertMessage insert = (InsertMessage) inStream.message();
    assertThat(insert.relationId()).isEqualTo(16_385);
    assertThat(texts(insert.newTuple())).containsExactly("7");
    assertThat(((InsertMessage) plain).relationId()).isEqualTo(16_385);
  }

  @Test
  void streamBlocksDoNotNest() throws ReplicatorException {
    PgOutputDecoder v2 = new PgOutputDecoder(PgOutputDecoder.PROTOCOL_VERSION_2);
    v2.decode(type('S').int32(900).int8(1).buffer());

    assertThatThrownBy(() -> v2.decode(type('S').int32(901).int8(1).buffer()))
        .hasMessageContaining("inside a stream block");
    assertThatThrownBy(
            () ->
                new PgOutputDecoder(PgOutputDecoder.PROTOCOL_VERSION_1).decode(type('E').buffer()))
        .hasMessageContaining("protocol version 2");
  }

  private void assertProtocolViolation(ByteBuffer bytes, String message) {
    assertThatThrownBy(() -> decoder.decode(bytes))
        .isInstanceOf(ReplicatorException.class)
        .hasMessageContaining(message)
        .extracting(e -> ((ReplicatorException) e).code())
        .isEqualTo(ReplicatorErrorCode.PROTOCOL_VIOLATION);
  }

  private static List<String> texts(TupleData tuple) {
    return tuple.values().stream()
        .map(value -> value.kind() == TupleData.Kind.TEXT ? value.text() : null)
        .toList();
  }
}
