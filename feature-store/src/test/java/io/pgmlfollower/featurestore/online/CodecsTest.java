package io.pgmlfollower.featurestore.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodecsTest {
  private static final ColumnSpec INT8 = new ColumnSpec("id", "bigint", 20, true);
  private static final ColumnSpec FLOAT8 = new ColumnSpec("x", "double precision", 701, true);
  private static final ColumnSpec TEXT = new ColumnSpec("name", "text", 25, true);

  @Test
  void integerKeysSortAsNumbers() throws StoreException {
    assertSorted(
        INT8, "-9223372036854775808", "-5", "-1", "0", "1", "2", "10", "9223372036854775807");
  }

  @Test
  void floatKeysSortAsNumbers() throws StoreException {
    assertSorted(FLOAT8, "-Infinity", "-1e10", "-2.5", "-0.001", "0", "1e-300", "3.25", "Infinity");
    assertThat(KeyCodec.encode(List.of(FLOAT8), new String[] {"-0"}))
        .isEqualTo(KeyCodec.encode(List.of(FLOAT8), new String[] {"0"}));
  }

  @Test
  void textKeysSortByBytesAndPrefixesFirst() throws StoreException {
    assertSorted(TEXT, "", "a", "a\u0000b", "ab", "b", "é");
  }

  @Test
  void compositeKeysSortColumnByColumn() throws StoreException {
    List<ColumnSpec> key = List.of(TEXT, INT8);
    byte[] a = KeyCodec.encode(key, new String[] {"a", "10"});
    byte[] b = KeyCodec.encode(key, new String[] {"a", "9"});
    byte[] c = KeyCodec.encode(key, new String[] {"ab", "1"});
    assertThat(Arrays.compareUnsigned(b, a)).isNegative();
    assertThat(Arrays.compareUnsigned(a, c)).isNegative();
  }

  @Test
  void nullOrNonNumericKeysAreRefused() {
    assertThatThrownBy(() -> KeyCodec.encode(List.of(INT8), new String[] {null}))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("NULL");
    assertThatThrownBy(() -> KeyCodec.encode(List.of(INT8), new String[] {"x1"}))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("not a number");
  }

  @Test
  void rowsRoundTripWithNullsAndTheirSchemaVersion() throws StoreException {
    String[] values = {"1", null, "", "héllo\tworld", null, "x".repeat(300)};
    RowCodec.Row row = RowCodec.decode(RowCodec.encode(7, values));
    assertThat(row.schemaVersion()).isEqualTo(7);
    assertThat(row.values()).containsExactly(values);
  }

  @Test
  void copyTextIsSplitIntoRowsAcrossArbitraryChunks() throws StoreException {
    String copy = "1\ta\\tb\\\\c\t\\N\n2\t\\101\\x42\\n\t\n3\t\\7z\\x4g\t\\12\n";
    byte[] bytes = copy.getBytes(StandardCharsets.UTF_8);
    for (int chunk = 1; chunk <= bytes.length; chunk++) {
      List<String[]> rows = new ArrayList<>();
      CopyTextRows parser = new CopyTextRows(3, row -> rows.add(row.toStrings()));
      for (int at = 0; at < bytes.length; at += chunk) {
        parser.write(bytes, at, Math.min(chunk, bytes.length - at));
      }
      assertThat(parser.partial()).isFalse();
      assertThat(rows).hasSize(3);
      assertThat(rows.get(0)).containsExactly("1", "a\tb\\c", null);
      assertThat(rows.get(1)).containsExactly("2", "AB\n", "");
      // Short numeric escapes end at the first non-digit, which is then an ordinary byte.
      assertThat(rows.get(2)).containsExactly("3", "\u0007z\u0004g", "\n");
    }
  }

  @Test
  void aRowEncodedFromCopyBytesIsTheRowEncodedFromItsStrings() throws StoreException {
    byte[] bytes =
        "1\tcaf\u00e9 \\t tab\t\\N\t\n2\t\\x41\t3.5\tz\n".getBytes(StandardCharsets.UTF_8);
    List<byte[]> direct = new ArrayList<>();
    List<byte[]> viaStrings = new ArrayList<>();
    CopyTextRows parser =
        new CopyTextRows(
            4,
            row -> {
              direct.add(RowCodec.encode(3, row));
              viaStrings.add(RowCodec.encode(3, row.toStrings()));
            });
    parser.write(bytes, 0, bytes.length);
    assertThat(direct).hasSize(2);
    for (int i = 0; i < direct.size(); i++) {
      assertThat(direct.get(i)).isEqualTo(viaStrings.get(i));
    }
    assertThat(RowCodec.decode(direct.get(0)).values())
        .containsExactly("1", "caf\u00e9 \t tab", null, "");
  }

  /** A binary COPY of rows (int4, text), each value given as its binary bytes (null: NULL). */
  private static byte[] binaryCopy(byte[][]... rows) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(new byte[] {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0});
    out.writeBytes(new byte[] {0, 0, 0, 0, 0, 0, 0, 3, 'x', 'y', 'z'}); // flags, 3-byte extension
    for (byte[][] row : rows) {
      out.write(0);
      out.write(row.length);
      for (byte[] value : row) {
        int length = value == null ? -1 : value.length;
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(length).array());
        if (value != null) {
          out.writeBytes(value);
        }
      }
    }
    out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFF});
    return out.toByteArray();
  }

  private static byte[] int4(int value) {
    return java.nio.ByteBuffer.allocate(4).putInt(value).array();
  }

  @Test
  void binaryCopyIsSplitIntoTextRowsAcrossArbitraryChunks() throws StoreException {
    byte[] bytes =
        binaryCopy(
            new byte[][] {int4(-42), "caf\u00e9\tx".getBytes(StandardCharsets.UTF_8)},
            new byte[][] {int4(2147483647), null},
            new byte[][] {int4(0), new byte[0]});
    for (int chunk = 1; chunk <= bytes.length; chunk++) {
      List<String[]> rows = new ArrayList<>();
      CopyBinaryRows parser =
          new CopyBinaryRows(
              List.of(BinaryToText.INT4, BinaryToText.TEXT), row -> rows.add(row.toStrings()));
      for (int at = 0; at < bytes.length; at += chunk) {
        assertThat(parser.partial()).isTrue();
        parser.write(bytes, at, Math.min(chunk, bytes.length - at));
      }
      assertThat(parser.partial()).isFalse();
      assertThat(rows)
          .containsExactly(
              new String[] {"-42", "caf\u00e9\tx"},
              new String[] {"2147483647", null},
              new String[] {"0", ""});
    }
  }

  @Test
  void malformedBinaryCopyIsRefusedWithWhatIsWrong() {
    List<BinaryToText> types = List.of(BinaryToText.INT4, BinaryToText.TEXT);
    byte[] good = binaryCopy(new byte[][] {int4(1), new byte[] {'a'}});
    byte[] badSignature = good.clone();
    badSignature[0] = 'X';
    byte[] wrongFieldCount = binaryCopy(new byte[][] {int4(1)});
    byte[] shortInt = binaryCopy(new byte[][] {new byte[] {1, 2}, new byte[] {'a'}});
    byte[] afterEnd = java.util.Arrays.copyOf(good, good.length + 2);
    for (var bad :
        Map.of(
                badSignature, "signature",
                wrongFieldCount, "1 fields where the table has 2",
                shortInt, "a 4-byte value came as 2 bytes",
                afterEnd, "data after the end marker")
            .entrySet()) {
      CopyBinaryRows parser = new CopyBinaryRows(types, row -> {});
      assertThatThrownBy(() -> parser.write(bad.getKey(), 0, bad.getKey().length))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining(bad.getValue());
    }
    CopyBinaryRows cut = new CopyBinaryRows(types, row -> {});
    assertThatCode(() -> cut.write(good, 0, good.length - 3)).doesNotThrowAnyException();
    assertThat(cut.partial()).isTrue();
  }

  @Test
  void aRowWithTheWrongFieldCountIsRefused() {
    CopyTextRows parser = new CopyTextRows(2, row -> {});
    byte[] bytes = "1\t2\t3\n".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> parser.write(bytes, 0, bytes.length))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("3 fields");
  }

  private static void assertSorted(ColumnSpec column, String... ascending) throws StoreException {
    for (int i = 1; i < ascending.length; i++) {
      byte[] lower = KeyCodec.encode(List.of(column), new String[] {ascending[i - 1]});
      byte[] higher = KeyCodec.encode(List.of(column), new String[] {ascending[i]});
      assertThat(Arrays.compareUnsigned(lower, higher))
          .as("%s < %s", ascending[i - 1], ascending[i])
          .isNegative();
    }
  }
}
