package io.pgmlfollower.pgwire.types;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * One-dimensional arrays of a scalar type. Text form {@code {1,2,NULL,"a b"}} (array_out: elements
 * double-quoted when empty, NULL-like or holding braces, commas, quotes, backslashes or spaces);
 * binary form ndim, has-null flag, element OID, per dimension size and lower bound, then each
 * element with its length (array_send). See https://www.postgresql.org/docs/current/arrays.html
 *
 * <p>Decoded Java values: {@code boolean[]}, {@code short[]}, {@code int[]}, {@code long[]}, {@code
 * float[]}, {@code double[]} (primitive arrays cannot hold NULL: a NULL element is 22004), {@code
 * String[]}, {@code BigDecimal[]}. Encoding accepts any Java array or collection whose elements the
 * element codec takes.
 */
final class ArrayCodec implements TypeCodec {
  private final PgType type;
  private final TypeCodec element;

  ArrayCodec(PgType type, TypeCodec element) {
    this.type = requireNonNull(type, "type is null");
    this.element = requireNonNull(element, "element is null");
  }

  @Override
  public PgType type() {
    return type;
  }

  @Override
  public String typeName() {
    return element.typeName() + "[]";
  }

  @Override
  public int typeLength() {
    return -1;
  }

  TypeCodec element() {
    return element;
  }

  @Override
  public String encodeText(Object value) throws PgWireException {
    List<Object> elements = elements(value);
    StringBuilder out = new StringBuilder(2 + elements.size() * 8).append('{');
    for (int i = 0; i < elements.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      Object item = elements.get(i);
      if (item == null) {
        out.append("NULL");
      } else {
        appendElement(out, element.encodeText(item));
      }
    }
    return out.append('}').toString();
  }

  @Override
  public void encodeBinary(Object value, Buffer out) throws PgWireException {
    List<Object> elements = elements(value);
    boolean hasNull = elements.contains(null);
    out.appendInt(elements.isEmpty() ? 0 : 1);
    out.appendInt(hasNull ? 1 : 0);
    out.appendInt(element.type().oid());
    if (elements.isEmpty()) {
      return;
    }
    out.appendInt(elements.size()).appendInt(1);
    for (Object item : elements) {
      if (item == null) {
        out.appendInt(-1);
      } else {
        int lengthAt = out.length();
        out.appendInt(0);
        element.encodeBinary(item, out);
        out.setInt(lengthAt, out.length() - lengthAt - 4);
      }
    }
  }

  @Override
  public Object decodeText(String text) throws PgWireException {
    return toJavaArray(parseText(text));
  }

  @Override
  public Object decodeBinary(Buffer bytes) throws PgWireException {
    if (bytes.length() < 12) {
      throw invalidBinary(bytes.length());
    }
    int dimensions = bytes.getInt(0);
    int elementOid = bytes.getInt(8);
    if (dimensions == 0) {
      return toJavaArray(List.of());
    }
    if (dimensions != 1) {
      throw multidimensional();
    }
    if (elementOid != element.type().oid()) {
      throw new PgWireException(
          SqlState.DATATYPE_MISMATCH,
          "binary data has array element type "
              + elementOid
              + " instead of "
              + element.type().oid());
    }
    if (bytes.length() < 20) {
      throw invalidBinary(bytes.length());
    }
    int size = bytes.getInt(12);
    if (size < 0) {
      throw invalidBinary(bytes.length());
    }
    List<Object> elements = new ArrayList<>(Math.min(size, 1 << 16));
    int position = 20;
    for (int i = 0; i < size; i++) {
      if (position + 4 > bytes.length()) {
        throw invalidBinary(bytes.length());
      }
      int length = bytes.getInt(position);
      position += 4;
      if (length == -1) {
        elements.add(null);
        continue;
      }
      if (length < 0 || position + length > bytes.length()) {
        throw invalidBinary(bytes.length());
      }
      elements.add(element.decodeBinary(bytes.slice(position, position + length)));
      position += length;
    }
    if (position != bytes.length()) {
      throw invalidBinary(bytes.length());
    }
    return toJavaArray(elements);
  }

  /** The Java array for {@code elements} (boxed values of the element type, nulls allowed). */
  Object toJavaArray(List<Object> elements) throws PgWireException {
    Class<?> componentType =
        switch (type) {
          case BOOL_ARRAY -> boolean.class;
          case INT2_ARRAY -> short.class;
          case INT4_ARRAY -> int.class;
          case INT8_ARRAY -> long.class;
          case FLOAT4_ARRAY -> float.class;
          case FLOAT8_ARRAY -> double.class;
          case NUMERIC_ARRAY -> BigDecimal.class;
          default -> String.class;
        };
    Object array = Array.newInstance(componentType, elements.size());
    for (int i = 0; i < elements.size(); i++) {
      Object item = elements.get(i);
      if (item == null) {
        if (componentType.isPrimitive()) {
          throw new PgWireException(
              SqlState.NULL_VALUE_NOT_ALLOWED,
              "array element " + (i + 1) + " of type " + typeName() + " is NULL",
              "Replace NULL elements, e.g. with array_replace(arr, NULL, 0) or COALESCE.");
        }
        continue;
      }
      Array.set(array, i, item);
    }
    return array;
  }

  /** The elements of a Java array (primitive or not) or collection, boxed. */
  static List<Object> elements(Object value) throws PgWireException {
    if (value instanceof Collection<?> collection) {
      return new ArrayList<>(collection);
    }
    if (value instanceof Object[] objects) {
      return Arrays.asList(objects);
    }
    if (value.getClass().isArray()) {
      int length = Array.getLength(value);
      List<Object> boxed = new ArrayList<>(length);
      for (int i = 0; i < length; i++) {
        boxed.add(Array.get(value, i));
      }
      return boxed;
    }
    throw new PgWireException(
        SqlState.DATATYPE_MISMATCH,
        "expected a Java array or collection for an array value, got "
            + value.getClass().getName());
  }

  private List<Object> parseText(String text) throws PgWireException {
    ArrayTextParser parser = new ArrayTextParser(text);
    List<Object> elements = new ArrayList<>();
    for (ArrayTextParser.Item item : parser.items()) {
      elements.add(item.isNull() ? null : element.decodeText(item.text()));
    }
    return elements;
  }

  private static void appendElement(StringBuilder out, String text) {
    if (!needsQuotes(text)) {
      out.append(text);
      return;
    }
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    out.append('"');
  }

  private static boolean needsQuotes(String text) {
    if (text.isEmpty() || text.toLowerCase(Locale.ROOT).equals("null")) {
      return true;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || Character.isWhitespace(c)) {
        return true;
      }
    }
    return false;
  }

  static PgWireException multidimensional() {
    return new PgWireException(
        SqlState.FEATURE_NOT_SUPPORTED,
        "multidimensional arrays are not supported here",
        "Pass a one-dimensional array.");
  }
}
