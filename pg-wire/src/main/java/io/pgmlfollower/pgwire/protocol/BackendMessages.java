package io.pgmlfollower.pgwire.protocol;

import io.pgmlfollower.pgwire.spi.PgType;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Encoders of the backend messages the server writes itself, each appended to a caller's buffer so
 * that a reply of many messages is one write. Formats:
 * https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
public final class BackendMessages {
  private BackendMessages() {}

  /** The single byte answering SSLRequest or GSSENCRequest: no encryption, go on in clear. */
  /** 'S': the server accepts an SSLRequest; the TLS handshake follows on the same socket. */
  public static Buffer encryptionAccepted() {
    return Buffer.buffer(1).appendByte((byte) 'S');
  }

  public static Buffer encryptionRefused() {
    return Buffer.buffer(1).appendByte((byte) 'N');
  }

  public static Buffer authenticationOk(Buffer out) {
    return MessageBuilder.begin(out, 'R').int32(0).end();
  }

  public static Buffer authenticationCleartextPassword(Buffer out) {
    return MessageBuilder.begin(out, 'R').int32(3).end();
  }

  public static Buffer authenticationMd5Password(Buffer out, byte[] salt) {
    return MessageBuilder.begin(out, 'R').int32(5).bytes(salt).end();
  }

  public static Buffer authenticationSasl(Buffer out, List<String> mechanisms) {
    MessageBuilder message = MessageBuilder.begin(out, 'R').int32(10);
    mechanisms.forEach(message::cstring);
    return message.int8(0).end();
  }

  public static Buffer authenticationSaslContinue(Buffer out, byte[] data) {
    return MessageBuilder.begin(out, 'R').int32(11).bytes(data).end();
  }

  public static Buffer authenticationSaslFinal(Buffer out, byte[] data) {
    return MessageBuilder.begin(out, 'R').int32(12).bytes(data).end();
  }

  public static Buffer negotiateProtocolVersion(
      Buffer out, int newestMinorVersion, List<String> unsupportedOptions) {
    MessageBuilder message =
        MessageBuilder.begin(out, 'v').int32(newestMinorVersion).int32(unsupportedOptions.size());
    unsupportedOptions.forEach(message::cstring);
    return message.end();
  }

  public static Buffer backendKeyData(Buffer out, int processId, int secretKey) {
    return backendKeyData(out, processId, Buffer.buffer(4).appendInt(secretKey).getBytes());
  }

  /** BackendKeyData with a key of any length (4 bytes under protocol 3.0, longer under 3.2). */
  public static Buffer backendKeyData(Buffer out, int processId, byte[] secretKey) {
    return MessageBuilder.begin(out, 'K').int32(processId).bytes(secretKey).end();
  }

  public static Buffer parameterStatus(Buffer out, String name, String value) {
    return MessageBuilder.begin(out, 'S').cstring(name).cstring(value).end();
  }

  /** ReadyForQuery with transaction status 'I' (idle), 'T' (in a block) or 'E' (failed block). */
  public static Buffer readyForQuery(Buffer out, char transactionStatus) {
    return MessageBuilder.begin(out, 'Z').int8(transactionStatus).end();
  }

  public static Buffer parseComplete(Buffer out) {
    return MessageBuilder.begin(out, '1').end();
  }

  public static Buffer bindComplete(Buffer out) {
    return MessageBuilder.begin(out, '2').end();
  }

  public static Buffer closeComplete(Buffer out) {
    return MessageBuilder.begin(out, '3').end();
  }

  public static Buffer noData(Buffer out) {
    return MessageBuilder.begin(out, 'n').end();
  }

  public static Buffer portalSuspended(Buffer out) {
    return MessageBuilder.begin(out, 's').end();
  }

  public static Buffer emptyQueryResponse(Buffer out) {
    return MessageBuilder.begin(out, 'I').end();
  }

  public static Buffer commandComplete(Buffer out, String tag) {
    return MessageBuilder.begin(out, 'C').cstring(tag).end();
  }

  public static Buffer parameterDescription(Buffer out, List<PgType> types) {
    MessageBuilder message = MessageBuilder.begin(out, 't').int16(types.size());
    types.forEach(type -> message.int32(type.oid()));
    return message.end();
  }

  /** The result columns; {@code typeLengths[i]} is pg_type.typlen, {@code formats[i]} 0 or 1. */
  public static Buffer rowDescription(
      Buffer out, List<String> names, List<PgType> types, int[] typeLengths, short[] formats) {
    MessageBuilder message = MessageBuilder.begin(out, 'T').int16(names.size());
    for (int i = 0; i < names.size(); i++) {
      message
          .cstring(names.get(i))
          .int32(0) // not a table column
          .int16(0)
          .int32(types.get(i).oid())
          .int16(typeLengths[i])
          .int32(-1) // no type modifier
          .int16(formats[i]);
    }
    return message.end();
  }
}
