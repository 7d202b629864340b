package io.pgmlfollower.featurestore.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
