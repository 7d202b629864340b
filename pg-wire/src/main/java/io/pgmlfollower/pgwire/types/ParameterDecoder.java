package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Turns a Bind message's raw parameter values into the Java values a local statement takes.
 *
 * <p>Text values are parsed as the statement's declared type (the text is the same whatever type
 * the client named, and node-postgres names none: OID 0). Binary values are laid out by the type
 * the client declared in Parse (pgjdbc binds {@code double[]} as binary float8[] even where real[]
 * is expected), or by the statement's type when the client declared none, then converted.
 */
public final class ParameterDecoder {
  /** Types whose binary form is their text's bytes, so any text-like parameter can take them. */
  private static final int[] TEXT_LIKE_OIDS = {18, 19, 25, 705, 1042, 1043};

  private ParameterDecoder() {}

  /**
   * @param statementTypes the types the statement declared
   * @param declaredOids the OIDs the client gave in Parse (shorter than the parameter list, or 0,
   *     where it gave none)
   * @param formats the Bind message's parameter format codes
   * @param values the raw values, null for NULL
   */
  public static List<Object> decode(
      String statementName,
      List<PgType> statementTypes,
      int[] declaredOids,
      short[] formats,
      Buffer[] values)
      throws PgWireException {
    if (values.length != statementTypes.size()) {
      throw new PgWireException(
          SqlState.PROTOCOL_VIOLATION,
          "bind message supplies "
              + values.length
              + " parameters, but prepared statement \""
              + statementName
              + "\" requires "
              + statementTypes.size());
    }
    if (formats.length > 1 && formats.length != values.length) {
      throw new PgWireException(
          SqlState.PROTOCOL_VIOLATION,
          "bind message has "
              + formats.length
              + " parameter formats but "
              + values.length
              + " parameters");
    }
    List<Object> decoded = new ArrayList<>(values.length);
    for (int i = 0; i < values.length; i++) {
      short format = formats.length == 0 ? 0 : formats.length == 1 ? formats[0] : formats[i];
      int declaredOid = i < declaredOids.length ? declaredOids[i] : 0;
      try {
        decoded.add(decodeOne(statementTypes.get(i), declaredOid, format, values[i]));
      } catch (PgWireException e) {
        throw new PgWireException(
            e.sqlState(), e.getMessage(), "while decoding parameter $" + (i + 1), e.hint(), 0, e);
      }
    }
    return Collections.unmodifiableList(decoded);
  }

  private static Object decodeOne(PgType target, int declaredOid, short format, Buffer value)
      throws PgWireException {
    if (value == null) {
      return null;
    }
    PgType declared = declaredOid == 0 ? null : PgType.fromOid(declaredOid);
    if (format == 0) {
      String text = value.toString(StandardCharsets.UTF_8);
      PgType parseAs = target != PgType.UNKNOWN ? target : declared != null ? declared : target;
      return ValueCoercion.coerce(TypeCodecs.forType(parseAs).decodeText(text), parseAs, target);
    }
    PgType wire = declaredOid == 0 ? target : declared;
    if (wire == null && isTextLike(declaredOid)) {
      wire = PgType.TEXT;
    }
    if (wire == null) {
      throw new PgWireException(
          SqlState.FEATURE_NOT_SUPPORTED,
          "binary format of parameter type OID " + declaredOid + " is not supported",
          "Send the parameter in text format, or declare one of the types the statement takes.");
    }
    if (wire == PgType.UNKNOWN) {
      wire = PgType.TEXT;
    }
    return ValueCoercion.coerce(TypeCodecs.forType(wire).decodeBinary(value), wire, target);
  }

  private static boolean isTextLike(int oid) {
    for (int textLike : TEXT_LIKE_OIDS) {
      if (textLike == oid) {
        return true;
      }
    }
    return false;
  }
}
