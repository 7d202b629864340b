package io.pgmlfollower.featurestore.online;

import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * Row changes of one batch into a {@link WriteBatchWithIndex}: reads (an update's unchanged TOAST
 * values, the existence checks) see the batch's own earlier writes. As in the offline store, an
 * UPDATE or DELETE whose row is missing means the store diverged from the source: the batch fails
 * whole ({@link StoreErrorCode#DIVERGED}).
 */
final class OnlineBatch {
  private final RocksDB db;
  private final ReadOptions read;
  private final WriteBatchWithIndex writes;
  private final Map<TableId, OnlineTable> tables;
  private final List<RowCache.Key> written = new ArrayList<>();

  /** Each written key's new stored row, null where it was deleted: {@link RowCache#refresh}. */
  private final List<byte[]> rows = new ArrayList<>();

  private boolean emptied; // a table truncated: the cache forgets every row

  OnlineBatch(
      RocksDB db, ReadOptions read, WriteBatchWithIndex writes, Map<TableId, OnlineTable> tables) {
    this.db = db;
    this.read = read;
    this.writes = writes;
    this.tables = tables;
  }

  void apply(RowChange change) throws RocksDBException, StoreException {
    OnlineTable table = tables.get(change.table());
    if (table == null) {
      return; // no primary key: offline only
    }
    switch (change.kind()) {
      case INSERT ->
          put(table, key(table, change.newValues(), change), table.encode(change.newValues()));
      case UPDATE -> update(table, change);
      case DELETE -> {
        byte[] key = key(table, change.oldValues(), change);
        existing(table, key, change);
        delete(table, key);
      }
    }
  }

  private void update(OnlineTable table, RowChange change) throws RocksDBException, StoreException {
    byte[] newKey = key(table, change.newValues(), change);
    byte[] oldKey = change.oldValues() == null ? null : table.keyOf(change.oldValues());
    if (oldKey == null) {
      oldKey = newKey;
    }
    String[] stored = existing(table, oldKey, change);
    String[] values = change.newValues().clone();
    for (int i = 0; i < values.length; i++) {
      if (change.isUnchanged(i)) {
        values[i] = stored[i];
      }
    }
    if (!Arrays.equals(oldKey, newKey)) {
      delete(table, oldKey);
    }
    put(table, newKey, table.encode(values));
  }

  private void put(OnlineTable table, byte[] key, byte[] value) throws RocksDBException {
    writes.put(table.family(), key, value);
    written.add(new RowCache.Key(table.familyId(), key));
    rows.add(value);
  }

  private void delete(OnlineTable table, byte[] key) throws RocksDBException {
    writes.delete(table.family(), key);
    written.add(new RowCache.Key(table.familyId(), key));
    rows.add(null);
  }

  /** Brings the {@link RowCache} up to date with this batch, once RocksDB holds it. */
  void refresh(RowCache cache) {
    if (emptied) {
      cache.invalidateAll();
    } else if (!written.isEmpty()) {
      cache.refresh(written, rows);
    }
  }

  /** Makes the {@link RowCache} forget what this batch changed: its write failed or may have. */
  void invalidate(RowCache cache) {
    if (emptied) {
      cache.invalidateAll();
    } else if (!written.isEmpty()) {
      cache.invalidate(written);
    }
  }

  private String[] existing(OnlineTable table, byte[] key, RowChange change)
      throws RocksDBException, StoreException {
    byte[] stored = writes.getFromBatchAndDB(db, table.family(), read, key);
    if (stored == null) {
      throw new StoreException(
          StoreErrorCode.DIVERGED,
          "the online store diverged from the source: an "
              + change.kind()
              + " of "
              + change.table()
              + " found no row with its key. Snapshot this source again.");
    }
    return table.decode(stored);
  }

  private static byte[] key(OnlineTable table, String[] values, RowChange change)
      throws StoreException {
    byte[] key = table.keyOf(values);
    if (key == null) {
      throw new StoreException(
          StoreErrorCode.INVALID_DATA,
          "a " + change.kind() + " of " + change.table() + " came without its primary key");
    }
    return key;
  }

  /** Deletes every row, those written earlier in this batch included. */
  void truncate(List<TableId> truncated) throws RocksDBException {
    for (TableId id : truncated) {
      OnlineTable table = tables.get(id);
      if (table == null) {
        continue;
      }
      emptied = true;
      try (RocksIterator base = db.newIterator(table.family(), read);
          RocksIterator it = writes.newIteratorWithBase(table.family(), base)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          writes.delete(table.family(), it.key());
        }
      }
    }
  }
}
