package io.pgmlfollower.featurestore.online;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A table's shape as the online store keeps it next to its rows, so that lookups work right after a
 * restart: version, primary key, and each column's name, type, type OID and missing value (base64,
 * as a text value may hold any character but U+0000; absent in shapes written before it was kept).
 * Fields are separated by U+0001 and records by U+0000, which no PostgreSQL identifier or type name
 * contains.
 */
final class SpecCodec {
  private static final String FIELD = "\u0001";
  private static final String RECORD = "\u0000";

  private SpecCodec() {}

  static byte[] encode(TableSpec spec, int version) {
    List<String> records = new ArrayList<>();
    records.add(Integer.toString(version));
    records.add(String.join(FIELD, spec.primaryKey()));
    for (ColumnSpec column : spec.columns()) {
      records.add(
          column.name()
              + FIELD
              + column.typeName()
              + FIELD
              + column.typeOid()
              + column
                  .missingValue()
                  .map(
                      value ->
                          FIELD
                              + Base64.getEncoder()
                                  .encodeToString(value.getBytes(StandardCharsets.UTF_8)))
                  .orElse(""));
    }
    return String.join(RECORD, records).getBytes(StandardCharsets.UTF_8);
  }

  record Decoded(TableSpec spec, int version) {}

  static Decoded decode(TableId table, byte[] bytes) {
    String[] records = new String(bytes, StandardCharsets.UTF_8).split(RECORD, -1);
    int version = Integer.parseInt(records[0]);
    List<String> key =
        records[1].isEmpty() ? List.of() : Arrays.asList(records[1].split(FIELD, -1));
    List<ColumnSpec> columns = new ArrayList<>();
    for (int i = 2; i < records.length; i++) {
      String[] fields = records[i].split(FIELD, -1);
      Optional<String> missing =
          fields.length > 3
              ? Optional.of(
                  new String(Base64.getDecoder().decode(fields[3]), StandardCharsets.UTF_8))
              : Optional.empty();
      columns.add(
          new ColumnSpec(
              fields[0],
              fields[1],
              Integer.parseInt(fields[2]),
              false,
              Optional.empty(),
              0,
              missing));
    }
    return new Decoded(new TableSpec(table, columns, key), version);
  }

  static byte[] encodeNames(List<String> names) {
    return String.join(RECORD, names).getBytes(StandardCharsets.UTF_8);
  }

  static List<String> decodeNames(byte[] bytes) {
    return Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split(RECORD, -1));
  }
}
