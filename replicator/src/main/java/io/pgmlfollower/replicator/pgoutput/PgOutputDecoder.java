package io.pgmlfollower.replicator.pgoutput;

import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.connection.Lsn;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decodes pgoutput messages, byte for byte as specified in
 * https://www.postgresql.org/docs/current/protocol-logicalrep-message-formats.html. All integers
 * are big-endian (network order); a String is NUL-terminated; timestamps are microseconds since
 * 2000-01-01 UTC.
 *
 * <p>Protocol versions 1 and 2 are decoded. Version 2 (PostgreSQL 14+, with {@code streaming 'on'})
 * adds Stream Start ('S'), Stream Stop ('E'), Stream Commit ('c') and Stream Abort ('A'); between
 * Stream Start and Stream Stop, Relation, Type, Insert, Update, Delete, Truncate and Message carry
 * an Int32 xid right after their type byte, and are returned wrapped in a {@link StreamedMessage}.
 * The decoder keeps track of whether it is inside a stream block, so one decoder serves one
 * replication stream.
 */
public final class PgOutputDecoder {
  /** Version 1: every PostgreSQL with pgoutput (10+). */
  public static final int PROTOCOL_VERSION_1 = 1;

  /** Version 2: streaming of in-progress transactions, PostgreSQL 14+. */
  public static final int PROTOCOL_VERSION_2 = 2;

  private final int protocolVersion;
  private boolean inStream;

  /** A protocol version 1 decoder. */
  public PgOutputDecoder() {
    this(PROTOCOL_VERSION_1);
  }

  public PgOutputDecoder(int protocolVersion) {
    if (protocolVersion != PROTOCOL_VERSION_1 && protocolVersion != PROTOCOL_VERSION_2) {
      throw new IllegalArgumentException(
          "unsupported pgoutput protocol version " + protocolVersion);
    }
    this.protocolVersion = protocolVersion;
  }

  public int protocolVersion() {
    return protocolVersion;
  }

  private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L; // 2000-01-01T00:00:00Z

  /**
   * Decodes one message: the payload of one XLogData message. The buffer's position is advanced
   * past the message.
   *
   * @throws ReplicatorException with code PROTOCOL_VIOLATION if the bytes do not form a complete
   *     message of this protocol version, UNSUPPORTED for a message of a later version
   */
  public PgOutputMessage decode(ByteBuffer buffer) throws ReplicatorException {
    ByteBuffer in = buffer.order(ByteOrder.BIG_ENDIAN);
    if (!in.hasRemaining()) {
      throw violation("empty pgoutput message");
    }
    char type = (char) in.get();
    int size = in.remaining() + 1;
    try {
      PgOutputMessage message =
          switch (type) {
            case 'B' -> begin(in);
            case 'C' -> commit(in);
            case 'O' -> origin(in);
            case 'R' -> streamed(in, size, PgOutputDecoder::relation);
            case 'Y' -> streamed(in, size, PgOutputDecoder::type);
            case 'I' -> streamed(in, size, PgOutputDecoder::insert);
            case 'U' -> streamed(in, size, PgOutputDecoder::update);
            case 'D' -> streamed(in, size, PgOutputDecoder::delete);
            case 'T' -> streamed(in, size, PgOutputDecoder::truncate);
            case 'M' -> streamed(in, size, PgOutputDecoder::logicalDecodingMessage);
            case 'S' -> streamStart(in);
            case 'E' -> streamStop();
            case 'c' -> streamCommit(in);
            case 'A' -> streamAbort(in);
            case 'b', 'P', 'K', 'r', 'p' ->
                throw new ReplicatorException(
                    ReplicatorErrorCode.UNSUPPORTED,
                    "pgoutput message '"
                        + type
                        + "' belongs to two-phase transactions (protocol version 3); this"
                        + " replicator asks for version "
                        + protocolVersion);
            default -> throw violation("unknown pgoutput message type 0x%02x", (int) type);
          };
      if (in.hasRemaining()) {
        throw violation(
            "%d unexpected bytes after pgoutput message '%s'",
            in.remaining(), String.valueOf(type));
      }
      return message;
    } catch (BufferUnderflowException e) {
      throw new ReplicatorException(
          ReplicatorErrorCode.PROTOCOL_VIOLATION, "truncated pgoutput message '" + type + "'", e);
    }
  }

  private static BeginMessage begin(ByteBuffer in) {
    Lsn finalLsn = lsn(in);
    Instant commitTime = timestamp(in);
    int xid = in.getInt();
    return new BeginMessage(finalLsn, commitTime, xid);
  }

  private static CommitMessage commit(ByteBuffer in) {
    int flags = Byte.toUnsignedInt(in.get());
    Lsn commitLsn = lsn(in);
    Lsn endLsn = lsn(in);
    Instant commitTime = timestamp(in);
    return new CommitMessage(flags, commitLsn, endLsn, commitTime);
  }

  private static OriginMessage origin(ByteBuffer in) throws ReplicatorException {
    Lsn originLsn = lsn(in);
    return new OriginMessage(originLsn, string(in));
  }

  private static RelationMessage relation(ByteBuffer in) throws ReplicatorException {
    int relationId = in.getInt();
    String namespace = string(in);
    String name = string(in);
    char replicaIdentity = (char) in.get();
    int columnCount = Short.toUnsignedInt(in.getShort());
    List<RelationMessage.Column> columns = new ArrayList<>(columnCount);
    for (int i = 0; i < columnCount; i++) {
      int flags = Byte.toUnsignedInt(in.get());
      String column = string(in);
      int typeOid = in.getInt();
      int typeModifier = in.getInt();
      columns.add(new RelationMessage.Column((flags & 1) != 0, column, typeOid, typeModifier));
    }
    return new RelationMessage(relationId, namespace, name, replicaIdentity, columns);
  }

  private static TypeMessage type(ByteBuffer in) throws ReplicatorException {
    int typeOid = in.getInt();
    String namespace = string(in);
    return new TypeMessage(typeOid, namespace, string(in));
  }

  private static InsertMessage insert(ByteBuffer in) throws ReplicatorException {
    int relationId = in.getInt();
    expect(in, 'N', "insert");
    return new InsertMessage(relationId, tuple(in));
  }

  private static UpdateMessage update(ByteBuffer in) throws ReplicatorException {
    int relationId = in.getInt();
    char marker = (char) in.get();
    OldTupleKind oldKind = OldTupleKind.NONE;
    Optional<TupleData> oldTuple = Optional.empty();
    if (marker == 'K' || marker == 'O') {
      oldKind = marker == 'K' ? OldTupleKind.KEY : OldTupleKind.FULL;
      oldTuple = Optional.of(tuple(in));
      marker = (char) in.get();
    }
    if (marker != 'N') {
      throw violation("update: expected 'N' new tuple, got 0x%02x", (int) marker);
    }
    return new UpdateMessage(relationId, oldKind, oldTuple, tuple(in));
  }

  private static DeleteMessage delete(ByteBuffer in) throws ReplicatorException {
    int relationId = in.getInt();
    char marker = (char) in.get();
    OldTupleKind kind =
        switch (marker) {
          case 'K' -> OldTupleKind.KEY;
          case 'O' -> OldTupleKind.FULL;
          default -> throw violation("delete: expected 'K' or 'O', got 0x%02x", (int) marker);
        };
    return new DeleteMessage(relationId, kind, tuple(in));
  }

  private static TruncateMessage truncate(ByteBuffer in) throws ReplicatorException {
    int count = in.getInt();
    if (count < 0 || count > in.remaining()) {
      throw violation("truncate: bad relation count %d", count);
    }
    int options = Byte.toUnsignedInt(in.get());
    List<Integer> relationIds = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      relationIds.add(in.getInt());
    }
    return new TruncateMessage(
        relationIds,
        (options & TruncateMessage.CASCADE) != 0,
        (options & TruncateMessage.RESTART_IDENTITY) != 0);
  }

  private static LogicalDecodingMessage logicalDecodingMessage(ByteBuffer in)
      throws ReplicatorException {
    int flags = Byte.toUnsignedInt(in.get());
    Lsn lsn = lsn(in);
    String prefix = string(in);
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw violation("message: content length %d but %d bytes left", length, in.remaining());
    }
    byte[] content = new byte[length];
    in.get(content);
    return new LogicalDecodingMessage((flags & 1) != 0, lsn, prefix, content);
  }

  /**
   * TupleData: Int16 column count, then per column a kind byte ('n', 'u', 't', 'b'); 't' and 'b'
   * are followed by an Int32 length and that many bytes.
   */
  private static TupleData tuple(ByteBuffer in) throws ReplicatorException {
    int columnCount = Short.toUnsignedInt(in.getShort());
    List<TupleData.Value> values = new ArrayList<>(columnCount);
    for (int i = 0; i < columnCount; i++) {
      char kind = (char) in.get();
      values.add(
          switch (kind) {
            case 'n' -> TupleData.Value.NULL;
            case 'u' -> TupleData.Value.UNCHANGED_TOAST;
            case 't' -> new TupleData.Value(TupleData.Kind.TEXT, counted(in, i));
            case 'b' -> new TupleData.Value(TupleData.Kind.BINARY, counted(in, i));
            default -> throw violation("tuple column %d: unknown value kind 0x%02x", i, (int) kind);
          });
    }
    return new TupleData(values);
  }

  private static byte[] counted(ByteBuffer in, int column) throws ReplicatorException {
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw violation(
          "tuple column %d: value length %d but %d bytes left", column, length, in.remaining());
    }
    byte[] bytes = new byte[length];
    in.get(bytes);
    return bytes;
  }

  /** Decodes the body of a message that carries an xid prefix inside a stream block. */
  private interface Body {
    PgOutputMessage decode(ByteBuffer in) throws ReplicatorException;
  }

  private PgOutputMessage streamed(ByteBuffer in, int size, Body body) throws ReplicatorException {
    if (!inStream) {
      return body.decode(in);
    }
    int xid = in.getInt();
    return new StreamedMessage(xid, body.decode(in), size);
  }

  private PgOutputMessage streamStart(ByteBuffer in) throws ReplicatorException {
    requireVersion2('S');
    if (inStream) {
      throw violation("Stream Start inside a stream block");
    }
    int xid = in.getInt();
    boolean first = in.get() == 1;
    inStream = true;
    return new StreamStartMessage(xid, first);
  }

  private PgOutputMessage streamStop() throws ReplicatorException {
    requireVersion2('E');
    if (!inStream) {
      throw violation("Stream Stop outside a stream block");
    }
    inStream = false;
    return new StreamStopMessage();
  }

  private PgOutputMessage streamCommit(ByteBuffer in) throws ReplicatorException {
    requireVersion2('c');
    int xid = in.getInt();
    int flags = Byte.toUnsignedInt(in.get());
    Lsn commitLsn = lsn(in);
    Lsn endLsn = lsn(in);
    Instant commitTime = timestamp(in);
    return new StreamCommitMessage(xid, flags, commitLsn, endLsn, commitTime);
  }

  /**
   * Version 2 sends the two xids only; version 4 (parallel apply, not asked for) adds the abort LSN
   * and time.
   */
  private PgOutputMessage streamAbort(ByteBuffer in) throws ReplicatorException {
    requireVersion2('A');
    int xid = in.getInt();
    int subXid = in.getInt();
    return new StreamAbortMessage(xid, subXid);
  }

  private void requireVersion2(char type) throws ReplicatorException {
    if (protocolVersion < PROTOCOL_VERSION_2) {
      throw new ReplicatorException(
          ReplicatorErrorCode.UNSUPPORTED,
          "pgoutput message '"
              + type
              + "' belongs to protocol version 2 (streamed transactions); this replicator asked"
              + " for version "
              + protocolVersion);
    }
  }

  private static void expect(ByteBuffer in, char expected, String message)
      throws ReplicatorException {
    char actual = (char) in.get();
    if (actual != expected) {
      throw violation("%s: expected '%s', got 0x%02x", message, expected, (int) actual);
    }
  }

  private static Lsn lsn(ByteBuffer in) {
    return Lsn.of(in.getLong());
  }

  /** A TimestampTz on the wire: microseconds since 2000-01-01 00:00:00 UTC. */
  static Instant timestamp(ByteBuffer in) {
    return fromPostgresMicros(in.getLong());
  }

  static Instant fromPostgresMicros(long micros) {
    return Instant.ofEpochSecond(
        POSTGRES_EPOCH_SECONDS + Math.floorDiv(micros, 1_000_000L),
        Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  static long toPostgresMicros(Instant instant) {
    return Math.multiplyExact(instant.getEpochSecond() - POSTGRES_EPOCH_SECONDS, 1_000_000L)
        + instant.getNano() / 1_000L;
  }

  /** A NUL-terminated string; the walsender sends names in the client encoding, UTF8. */
  private static String string(ByteBuffer in) throws ReplicatorException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(32);
    while (true) {
      if (!in.hasRemaining()) {
        throw violation("unterminated string");
      }
      byte b = in.get();
      if (b == 0) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
      bytes.write(b);
    }
  }

  private static ReplicatorException violation(String format, Object... args) {
    return new ReplicatorException(
        ReplicatorErrorCode.PROTOCOL_VIOLATION, String.format(format, args));
  }
}
