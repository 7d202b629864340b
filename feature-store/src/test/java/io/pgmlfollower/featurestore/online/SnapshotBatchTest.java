package io.pgmlfollower.featurestore.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBatch;

/**
 * The snapshot's write batches, serialized in Java: the very bytes RocksJava's per-row {@code put}
 * builds (so RocksDB applies them the same way), and keys that are the lookups' keys.
 */
class SnapshotBatchTest {
  private static final TableSpec SPEC =
      new TableSpec(
          new TableId("public", "t"),
          List.of(
              new ColumnSpec("name", "text", 25, true),
              new ColumnSpec("n", "bigint", 20, true),
              new ColumnSpec("small", "smallint", 21, false),
              new ColumnSpec("x", "double precision", 701, false),
              new ColumnSpec("flag", "boolean", 16, false)),
          List.of("name", "n"));

  @TempDir Path directory;

  @Test
  void aBatchIsWhatPerRowPutsBuild() throws Exception {
    String copy =
        "a\t1\t2\t3.5\tt\n"
            + "caf\u00e9 \\t tab\t-9223372036854775808\t\\N\t\\N\tf\n"
            + "\t9223372036854775807\t-32768\t-0\t\\N\n"
            + "zz\t-42\t0\tInfinity\tt\n";
    try (Db db = new Db(directory)) {
      OnlineTable table = new OnlineTable(db.family, SPEC, 3, Map.of());
      SnapshotBatch batch = new SnapshotBatch(db.family.getID(), 16); // grows as rows come
      EncodedRow encoded = new EncodedRow();
      List<String[]> rows = new ArrayList<>();
      CopyTextRows parser =
          new CopyTextRows(
              SPEC.columns().size(),
              row -> {
                assertThat(encoded.encode(table.shape(), row)).isTrue();
                batch.put(
                    encoded.key(), encoded.keyLength(), encoded.value(), encoded.valueLength());
                rows.add(row.toStrings());
              });
      byte[] bytes = copy.getBytes(StandardCharsets.UTF_8);
      parser.write(bytes, 0, bytes.length);
      assertThat(batch.count()).isEqualTo(4);

      try (WriteBatch expected = new WriteBatch();
          WriteBatch actual = batch.drain()) {
        for (String[] row : rows) {
          expected.put(db.family, table.keyOf(row), table.encode(row));
        }
        assertThat(actual.count()).isEqualTo(4);
        assertThat(actual.data()).isEqualTo(expected.data());
        db.db.write(new org.rocksdb.WriteOptions(), actual);
      }
      assertThat(batch.count()).isZero();
      // Applied, each row is found under the key a lookup computes from the key's strings.
      for (String[] row : rows) {
        byte[] stored = db.db.get(db.family, table.keyOf(row));
        assertThat(table.decode(stored)).containsExactly(row);
      }
    }
  }

  @Test
  void keysFromCopyBytesEqualKeysFromStrings() throws StoreException {
    List<ColumnSpec> key =
        List.of(new ColumnSpec("i", "integer", 23, true), new ColumnSpec("s", "text", 25, true));
    String[][] values = {
      {"0", "x"},
      {"-1", ""},
      {"2147483647", "\u00e9\u00e8"},
      {"-2147483648", "a b"},
      {"9223372036854775807", "z"},
      {"-9223372036854775808", "z"},
      {"0007", "leading zeros"},
      {"+5", "a plus sign"},
    };
    KeyCodec.Builder out = new KeyCodec.Builder(8);
    for (String[] value : values) {
      CopyRow row = rowOf(value);
      assertThat(KeyCodec.encode(key, new int[] {0, 1}, row, out)).isTrue();
      assertThat(java.util.Arrays.copyOf(out.bytes(), out.length()))
          .as("key %s", String.join(",", value))
          .isEqualTo(KeyCodec.encode(key, value));
    }
  }

  @Test
  void badOrNullKeysFromCopyBytesAreTreatedAsFromStrings() throws StoreException {
    List<ColumnSpec> key = List.of(new ColumnSpec("i", "bigint", 20, true));
    KeyCodec.Builder out = new KeyCodec.Builder(8);
    for (String bad :
        new String[] {"12a", "-", "", "9223372036854775808", "99999999999999999999"}) {
      assertThatThrownBy(() -> KeyCodec.encode(key, new int[] {0}, rowOf(bad), out))
          .as(bad)
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("not a number");
    }
    CopyRow nullKey = new CopyRow(1);
    nullKey.set(0, 0, 0, true);
    assertThat(KeyCodec.encode(key, new int[] {0}, nullKey, out)).isFalse();
  }

  /** A real RocksDB with one column family besides the default one. */
  private static final class Db implements AutoCloseable {
    final RocksDB db;
    final ColumnFamilyHandle family;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final org.rocksdb.DBOptions options =
        new org.rocksdb.DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);

    Db(Path directory) throws org.rocksdb.RocksDBException {
      db =
          RocksDB.open(
              options,
              directory.toString(),
              List.of(
                  new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY),
                  new ColumnFamilyDescriptor("t".getBytes(StandardCharsets.UTF_8))),
              handles);
      family = handles.get(1);
    }

    @Override
    public void close() {
      handles.forEach(ColumnFamilyHandle::close);
      db.close();
      options.close();
    }
  }

  private static CopyRow rowOf(String... values) {
    CopyRow row = new CopyRow(values.length);
    int at = 0;
    for (int i = 0; i < values.length; i++) {
      byte[] utf8 = values[i].getBytes(StandardCharsets.UTF_8);
      row.ensureCapacity(at + utf8.length);
      System.arraycopy(utf8, 0, row.bytes, at, utf8.length);
      row.set(i, at, at + utf8.length, false);
      at += utf8.length;
    }
    return row;
  }
}
