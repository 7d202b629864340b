package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;

/**
 * Text and binary wire forms of one PostgreSQL type (its typinput/typoutput and typreceive/typsend
 * functions). Values are never null here: NULL is a length of -1 on the wire and handled by the
 * caller.
 */
public interface TypeCodec {
  PgType type();

  /** The type's name in error messages, as PostgreSQL spells it (format_type). */
  String typeName();

  /** pg_type.typlen: the fixed size in bytes, or -1 for variable length. */
  int typeLength();

  /** The text form, as PostgreSQL's output function writes it. */
  String encodeText(Object value) throws PgWireException;

  /** Appends the binary form (without the length word). */
  void encodeBinary(Object value, Buffer out) throws PgWireException;

  /** Parses the text form into this type's Java value. */
  Object decodeText(String text) throws PgWireException;

  /** Reads the binary form (all of {@code bytes}) into this type's Java value. */
  Object decodeBinary(Buffer bytes) throws PgWireException;

  /** 22P02, worded as PostgreSQL words it. */
  default PgWireException invalidText(String text) {
    return new PgWireException(
        SqlState.INVALID_TEXT_REPRESENTATION,
        "invalid input syntax for type " + typeName() + ": \"" + text + "\"");
  }

  /** A binary value of the wrong size; PostgreSQL raises 08P01 from pq_getmsg* in that case. */
  default PgWireException invalidBinary(int length) {
    return new PgWireException(
        SqlState.PROTOCOL_VIOLATION,
        "incorrect binary data format: " + length + " bytes for type " + typeName());
  }

  /** The value handed to encode has a Java type this codec cannot write. */
  default PgWireException unsupportedValue(Object value) {
    return new PgWireException(
        SqlState.DATATYPE_MISMATCH,
        "cannot send a value of Java type "
            + value.getClass().getName()
            + " as PostgreSQL type "
            + typeName());
  }

  static void expectLength(TypeCodec codec, Buffer bytes, int length) throws PgWireException {
    if (bytes.length() != length) {
      throw codec.invalidBinary(bytes.length());
    }
  }
}
