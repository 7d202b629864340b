package io.pgmlfollower.featurestore.online;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.spi.StoreException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A stored row read in place gives exactly what decoding it into strings gives. */
class StoredRowTest {
  private static final List<String> NAMES = List.of("id", "name", "score", "note");
  private static final Map<String, Integer> COLUMNS =
      Map.of("id", 0, "name", 1, "score", 2, "note", 3);

  @Test
  void valuesAreReadWhereTheyLie() throws Exception {
    String[] values = {"42", "Zoë 🚀", "-1.5e-7", null};
    byte[] stored = RowCodec.encode(3, values);

    assertThat(RowCodec.version(stored)).isEqualTo(3);
    StoredRow row = new StoredRow(NAMES, COLUMNS, stored, RowCodec.bounds(stored));
    for (int i = 0; i < values.length; i++) {
      assertThat(row.text(i)).as(NAMES.get(i)).isEqualTo(values[i]);
      assertThat(row.isNull(i)).isEqualTo(values[i] == null);
    }
    int score = row.column("score");
    assertThat(new String(row.bytes(), row.start(score), row.length(score), UTF_8))
        .isEqualTo("-1.5e-7");
    assertThat(row.length(row.column("name"))).isEqualTo("Zoë 🚀".getBytes(UTF_8).length);
    assertThat(row.length(3)).isZero();
    assertThat(row.column("missing")).isEqualTo(-1);
    assertThat(row.toMap())
        .containsExactly(
            Map.entry("id", "42"),
            Map.entry("name", "Zoë 🚀"),
            Map.entry("score", "-1.5e-7"),
            new java.util.AbstractMap.SimpleEntry<>("note", null));
    assertThat(row.toMap()).isEqualTo(asMap(RowCodec.decode(stored).values()));
  }

  @Test
  void aRowFromStringsReadsTheSame() {
    String[] values = {"7", null, "", "ä"};
    StoredRow row = StoredRow.ofStrings(NAMES, COLUMNS, values);
    assertThat(row.toMap()).isEqualTo(asMap(values));
    assertThat(row.isNull(2)).as("an empty string is not NULL").isFalse();
    assertThat(row.isNull(1)).isTrue();
  }

  @Test
  void aTruncatedRowIsReportedCorrupt() {
    byte[] stored = RowCodec.encode(1, new String[] {"12345", "abc"});
    byte[] truncated = Arrays.copyOf(stored, stored.length - 2);
    assertThatThrownBy(() -> RowCodec.bounds(truncated))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("corrupt row");
  }

  private static Map<String, String> asMap(String[] values) {
    Map<String, String> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < values.length; i++) {
      map.put(NAMES.get(i), values[i]);
    }
    return map;
  }
}
