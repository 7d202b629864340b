package io.pgmlfollower.featurestore.online;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.DataBlockIndexType;
import org.rocksdb.FlushOptions;
import org.rocksdb.IndexType;
import org.rocksdb.IngestExternalFileOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online store: the replicated tables in RocksDB for lookups by primary key in microseconds
 * (https://github.com/facebook/rocksdb/wiki). One column family per table; key = {@link KeyCodec}
 * (order-preserving), value = {@link RowCodec} (text values with the schema version). The default
 * column family holds each table's shapes and the source positions, which every batch writes in the
 * same {@code WriteBatch} as its rows, with a synced WAL: rows and position are durable together,
 * or neither is.
 *
 * <p>Tables without a primary key have nothing to look rows up by and are not kept here (the
 * offline store has them). Memory is bounded by one LRU block cache for all tables plus a memtable
 * per table; level compaction with dynamic level sizes and bloom filters suits an update-heavy,
 * point-lookup workload.
 */
public final class OnlineStore implements ChangeSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OnlineStore.class);

  static {
    RocksDB.loadLibrary();
  }

  private static final byte SPEC = 't';
  private static final byte VERSION = 'v';
  private static final byte OFFSET = 'o';
  private static final String LOAD_DIRECTORY = "snapshot-load";

  private final RocksDB db;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions familyOptions;
  private final LRUCache cache;
  private final WriteOptions write;
  private final WriteOptions bulkWrite;
  private final ReadOptions read = new ReadOptions();
  private final RowCache rowCache;
  private final ColumnFamilyHandle meta;
  private final List<ColumnFamilyHandle> handles;
  private final Map<TableId, OnlineTable> tables = new ConcurrentHashMap<>();

  /**
   * Tables a snapshot is replacing (see {@link #spec}): marked when announced, cleared at commit.
   */
  private final Set<TableId> loading = ConcurrentHashMap.newKeySet();

  private final Object writeLock = new Object();

  /** Every table's options, as the snapshot's SST files are written with ({@link SortedRuns}). */
  private final Options fileOptions;

  /** Where snapshot files wait to be ingested; emptied at open (a crash leaves some behind). */
  private final Path loadDirectory;

  private final AtomicLong loads = new AtomicLong();

  private OnlineStore(
      RocksDB db,
      DBOptions dbOptions,
      ColumnFamilyOptions familyOptions,
      LRUCache cache,
      OnlineStoreConfig config,
      List<ColumnFamilyHandle> handles,
      Path loadDirectory) {
    this.db = db;
    this.rowCache = new RowCache(config.rowCacheBytes());
    this.loadDirectory = loadDirectory;
    this.fileOptions = new Options(dbOptions, familyOptions);
    this.dbOptions = dbOptions;
    this.familyOptions = familyOptions;
    this.cache = cache;
    this.write = new WriteOptions().setSync(config.sync());
    // Snapshot rows skip the WAL: the commit flushes their tables before it stores the offsets.
    this.bulkWrite = new WriteOptions().setSync(false).setDisableWAL(true);
    this.handles = new ArrayList<>(handles);
    this.meta = handles.get(0);
  }

  /** Opens (creating when missing) the store, with every table it held. */
  public static OnlineStore open(OnlineStoreConfig config) throws StoreException {
    config.validate();
    try {
      Files.createDirectories(config.path());
    } catch (IOException e) {
      throw new StoreException(
          StoreErrorCode.CONFIGURATION, "cannot create the online store in " + config.path(), e);
    }
    // Half the cache is a high-priority pool for index and filter blocks (LRUCache(capacity) has
    // none: high-priority blocks then compete with data blocks and are evicted first on a large
    // table, and every lookup reads filters back from the files).
    LRUCache cache = new LRUCache(config.blockCacheBytes(), -1, false, 0.5);
    ColumnFamilyOptions familyOptions =
        new ColumnFamilyOptions()
            .setWriteBufferSize(config.writeBufferBytes())
            // A Bloom filter over each memtable's whole keys: a lookup of a key the memtables do
            // not hold (most keys, under a stream of updates) skips their skip lists, which took
            // a third of a lookup's time in bench/soak's profile.
            .setMemtableWholeKeyFiltering(true)
            .setMemtablePrefixBloomSizeRatio(0.1)
            .setCompactionStyle(CompactionStyle.LEVEL)
            .setLevelCompactionDynamicLevelBytes(true)
            .setCompressionType(CompressionType.LZ4_COMPRESSION)
            .setTableFormatConfig(
                new BlockBasedTableConfig()
                    .setBlockCache(cache)
                    .setFilterPolicy(new BloomFilter(10, false))
                    // Partitioned filters and a two-level index: a lookup loads one 4 KiB
                    // partition of a file's filter and index, never the whole of them (a full
                    // filter of a large file is hundreds of KiB read per lookup once evicted).
                    .setPartitionFilters(true)
                    .setIndexType(IndexType.kTwoLevelIndexSearch)
                    .setMetadataBlockSize(4096)
                    // Index and filter blocks count against the cache (memory stays bounded)
                    // but are kept ahead of data blocks, and L0's stay pinned: a point lookup
                    // then rarely misses on metadata.
                    .setCacheIndexAndFilterBlocks(true)
                    .setCacheIndexAndFilterBlocksWithHighPriority(true)
                    .setPinL0FilterAndIndexBlocksInCache(true)
                    .setPinTopLevelIndexAndFilter(true)
                    // A hash index inside each data block: a lookup finds its key without a
                    // binary search over the block's restart points.
                    .setDataBlockIndexType(DataBlockIndexType.kDataBlockBinaryAndHash)
                    .setDataBlockHashTableUtilRatio(0.75));
    DBOptions dbOptions =
        new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
    String path = config.path().toString();
    try {
      List<byte[]> names;
      try (Options options = new Options()) {
        names = RocksDB.listColumnFamilies(options, path);
      }
      List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
      descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, familyOptions));
      for (byte[] name : names) {
        if (!Arrays.equals(name, RocksDB.DEFAULT_COLUMN_FAMILY)) {
          descriptors.add(new ColumnFamilyDescriptor(name, familyOptions));
        }
      }
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      RocksDB db = RocksDB.open(dbOptions, path, descriptors, handles);
      OnlineStore store =
          new OnlineStore(
              db,
              dbOptions,
              familyOptions,
              cache,
              config,
              handles,
              config.path().resolve(LOAD_DIRECTORY));
      try {
        store.deleteUnfinishedLoads();
      } catch (StoreException e) {
        store.close();
        throw e;
      }
      store.loadTables(descriptors, handles);
      log.info("Online store open: {} ({} tables)", path, store.tables.size());
      return store;
    } catch (RocksDBException e) {
      throw new StoreException(
          StoreErrorCode.STORE_UNAVAILABLE,
          "cannot open the online store in " + path + ": " + e.getMessage(),
          e);
    }
  }

  private void loadTables(List<ColumnFamilyDescriptor> descriptors, List<ColumnFamilyHandle> opened)
      throws RocksDBException, StoreException {
    for (int i = 1; i < descriptors.size(); i++) {
      TableId table = tableOf(descriptors.get(i).getName());
      byte[] stored = db.get(meta, metaKey(SPEC, table));
      if (stored == null) {
        // Created, then the process died before its shape was written (ensure writes the shape
        // right after the family): empty, and unknown to the store. Dropped, so that ensureTables
        // can create it again; left, its name would stay taken and the table never be created.
        log.info("Online store: dropping table {}, created but never described", table);
        db.dropColumnFamily(opened.get(i));
        continue;
      }
      SpecCodec.Decoded decoded = SpecCodec.decode(table, stored);
      Map<Integer, List<String>> versions = new LinkedHashMap<>();
      byte[] prefix = metaKey(VERSION, table);
      try (RocksIterator it = db.newIterator(meta)) {
        for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
          byte[] key = it.key();
          int version =
              Integer.parseInt(new String(key, prefix.length, key.length - prefix.length, UTF_8));
          versions.put(version, SpecCodec.decodeNames(it.value()));
        }
      }
      tables.put(
          table, new OnlineTable(opened.get(i), decoded.spec(), decoded.version(), versions));
    }
  }

  @Override
  public Map<String, SourceOffset> positions(String source) throws StoreException {
    Map<String, SourceOffset> positions = new LinkedHashMap<>();
    byte[] prefix = offsetPrefix(source);
    try (RocksIterator it = db.newIterator(meta)) {
      for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
        byte[] key = it.key();
        String partition = new String(key, prefix.length, key.length - prefix.length, UTF_8);
        byte[] value = it.value();
        String resume =
            value.length > Long.BYTES
                ? new String(value, Long.BYTES, value.length - Long.BYTES, UTF_8)
                : null;
        positions.put(
            partition,
            new SourceOffset(source, partition, ByteBuffer.wrap(value).getLong(), resume));
      }
    }
    return positions;
  }

  @Override
  public Map<String, Long> offsets(String source) throws StoreException {
    Map<String, Long> offsets = new LinkedHashMap<>();
    byte[] prefix = offsetPrefix(source);
    try (RocksIterator it = db.newIterator(meta)) {
      for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
        byte[] key = it.key();
        offsets.put(
            new String(key, prefix.length, key.length - prefix.length, UTF_8),
            ByteBuffer.wrap(it.value()).getLong());
      }
    }
    return offsets;
  }

  /**
   * Creates the new tables' column families in one call and writes every shape in one batch: one
   * manifest and options-file update and one synced write whatever the number of tables (each
   * column family created alone costs its own fsyncs, tens of milliseconds here).
   */
  @Override
  public void ensureTables(List<TableSpec> specs) throws StoreException {
    synchronized (writeLock) {
      Map<TableId, TableSpec> created = new LinkedHashMap<>();
      Map<TableId, TableSpec> reshaped = new LinkedHashMap<>();
      try (WriteBatch batch = new WriteBatch()) {
        for (TableSpec wanted : specs) {
          if (wanted.primaryKey().isEmpty()) {
            log.info("Table {} has no primary key: kept in the offline store only", wanted.id());
            continue;
          }
          OnlineTable table = tables.get(wanted.id());
          TableSpec spec = table == null ? wanted : keepMissingValues(table.spec(), wanted);
          if (table != null && sameShape(table.spec(), spec)) {
            continue;
          }
          int version = table == null ? 1 : table.version() + 1;
          batch.put(meta, metaKey(SPEC, spec.id()), SpecCodec.encode(spec, version));
          batch.put(
              meta,
              versionKey(spec.id(), version),
              SpecCodec.encodeNames(OnlineTable.columnNames(spec)));
          (table == null ? created : reshaped).put(spec.id(), spec);
        }
        List<ColumnFamilyDescriptor> families = new ArrayList<>();
        for (TableId id : created.keySet()) {
          families.add(new ColumnFamilyDescriptor(familyName(id), familyOptions));
        }
        List<ColumnFamilyHandle> newHandles =
            families.isEmpty() ? List.of() : db.createColumnFamilies(families);
        handles.addAll(newHandles);
        if (batch.count() > 0) {
          db.write(write, batch);
        }
        int i = 0;
        for (TableSpec spec : created.values()) {
          tables.put(spec.id(), new OnlineTable(newHandles.get(i++), spec, 1, Map.of()));
          log.info("Online store: created table {}", spec.id());
        }
        for (TableSpec spec : reshaped.values()) {
          OnlineTable table = tables.get(spec.id());
          table.reshape(spec, table.version() + 1);
          log.info(
              "Online store: table {} is now at schema version {}", spec.id(), table.version());
        }
      } catch (RocksDBException e) {
        throw failure(
            "cannot create or reshape tables "
                + specs.stream().map(spec -> spec.id().toString()).toList(),
            e);
      }
    }
  }

  /**
   * A column's missing value, once known, stays: the source forgets it when it rewrites the table
   * (VACUUM FULL, CLUSTER, a retype fold it into the rows), but the rows stored here before the
   * column was added still need it. A column of another type is another column.
   */
  private static TableSpec keepMissingValues(TableSpec current, TableSpec wanted) {
    List<ColumnSpec> columns = new ArrayList<>(wanted.columns());
    boolean changed = false;
    for (int i = 0; i < columns.size(); i++) {
      ColumnSpec column = columns.get(i);
      int at = current.columnIndex(column.name());
      if (column.missingValue().isEmpty() && at >= 0) {
        ColumnSpec before = current.columns().get(at);
        if (before.missingValue().isPresent() && before.typeOid() == column.typeOid()) {
          columns.set(
              i,
              new ColumnSpec(
                  column.name(),
                  column.typeName(),
                  column.typeOid(),
                  column.notNull(),
                  column.enumType(),
                  column.sourceAttnum(),
                  before.missingValue()));
          changed = true;
        }
      }
    }
    return changed
        ? new TableSpec(wanted.id(), columns, wanted.primaryKey(), wanted.rowIdentity())
        : wanted;
  }

  private static boolean sameShape(TableSpec a, TableSpec b) {
    if (!a.primaryKey().equals(b.primaryKey()) || a.columns().size() != b.columns().size()) {
      return false;
    }
    for (int i = 0; i < a.columns().size(); i++) {
      var x = a.columns().get(i);
      var y = b.columns().get(i);
      if (!x.name().equals(y.name())
          || !x.typeName().equals(y.typeName())
          || x.typeOid() != y.typeOid()
          || !x.missingValue().equals(y.missingValue())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public SnapshotLoader beginSnapshot(String source) throws StoreException {
    return new OnlineSnapshotLoader(this, requireNonNull(source, "source is null"));
  }

  @Override
  public void apply(ChangeBatch batch) throws StoreException {
    synchronized (writeLock) {
      try (WriteBatchWithIndex writes = new WriteBatchWithIndex(true)) {
        OnlineBatch rows = new OnlineBatch(db, read, writes, tables);
        for (ChangeBatch.Change change : batch.changes()) {
          switch (change) {
            case ChangeBatch.Row row -> rows.apply(row.change());
            case ChangeBatch.Truncate truncate -> rows.truncate(truncate.tables());
            case ChangeBatch.Message ignored -> {
              // Kept by the offline store (pgml_follower.logical_messages); nothing to look up.
            }
          }
        }
        putOffsets(writes, batch.offsets());
        // The cache follows before this returns, hence before the position is published: the
        // new rows once RocksDB holds them; after a failed write (which changed nothing, or may
        // have), the keys are forgotten, which costs only a read.
        boolean written = false;
        try {
          db.write(write, writes);
          written = true;
        } finally {
          if (written) {
            rows.refresh(rowCache);
          } else {
            rows.invalidate(rowCache);
          }
        }
      } catch (RocksDBException e) {
        throw failure("cannot apply a batch", e);
      }
    }
  }

  /** The row with this primary key (values in key order, text form), by column name. */
  public Optional<Map<String, String>> get(TableId table, List<String> key) throws StoreException {
    return row(table, key).map(StoredRow::toMap);
  }

  /**
   * The row with this primary key (values in key order, text form), read in place: {@link #get}'s
   * answer without a map or a string per column.
   */
  public Optional<StoredRow> row(TableId table, List<String> key) throws StoreException {
    OnlineTable online = tables.get(table);
    if (online == null) {
      throw new StoreException(
          StoreErrorCode.SCHEMA_MISMATCH,
          "table " + table + " is not in the online store (not replicated, or no primary key)");
    }
    OnlineTable.Shape shape = online.shape();
    byte[] keyBytes = shape.key(key);
    byte[] stored = rowCache.get(online.familyId(), keyBytes);
    if (stored == null) {
      long stamp = rowCache.stamp();
      try {
        stored = db.get(online.family(), read, keyBytes);
      } catch (RocksDBException e) {
        throw failure("cannot read " + table, e);
      }
      if (stored != null) {
        rowCache.put(online.familyId(), keyBytes, stored, stamp);
      }
    }
    if (stored == null) {
      return Optional.empty();
    }
    return Optional.of(online.row(shape, stored));
  }

  /**
   * The table's shape, when the online store holds it and serves its rows: empty while a snapshot
   * replaces them ({@link #loading}), so that readers go to the offline store meanwhile.
   */
  public Optional<TableSpec> spec(TableId table) {
    if (!loading.isEmpty() && loading.contains(table)) {
      return Optional.empty();
    }
    return Optional.ofNullable(tables.get(table)).map(OnlineTable::spec);
  }

  /** Tables whose snapshot is announced or under way, not committed yet. */
  public int tablesLoading() {
    return loading.size();
  }

  /** RocksDB's estimate of a table's rows (exact after compaction). */
  public long estimatedRows(TableId table) throws StoreException {
    OnlineTable online = tables.get(table);
    if (online == null) {
      return 0;
    }
    try {
      return db.getLongProperty(online.family(), "rocksdb.estimate-num-keys");
    } catch (RocksDBException e) {
      throw failure("cannot count the rows of " + table, e);
    }
  }

  /** The table's rows, counted exactly: a full scan, for checks and tests, not for hot paths. */
  public long countRows(TableId table) {
    OnlineTable online = tables.get(table);
    if (online == null) {
      return 0;
    }
    long rows = 0;
    try (RocksIterator it = db.newIterator(online.family(), read)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        rows++;
      }
    }
    return rows;
  }

  /** Bytes of SST files plus live memtables, over every table. */
  public long diskBytes() throws StoreException {
    try {
      return db.getAggregatedLongProperty("rocksdb.total-sst-files-size")
          + db.getAggregatedLongProperty("rocksdb.cur-size-all-mem-tables");
    } catch (RocksDBException e) {
      throw failure("cannot read the online store's size", e);
    }
  }

  public List<TableId> tables() {
    return List.copyOf(tables.keySet());
  }

  // ---- for the snapshot loader

  OnlineTable table(TableId id) throws StoreException {
    OnlineTable table = tables.get(id);
    if (table == null) {
      throw new StoreException(
          StoreErrorCode.SCHEMA_MISMATCH, "snapshot of " + id + " came before ensureTables");
    }
    return table;
  }

  boolean holds(TableId id) {
    return tables.containsKey(id);
  }

  /** The table's rows are to be replaced by a snapshot: not served until its offsets commit. */
  void markLoading(TableId id) {
    loading.add(id);
  }

  /**
   * Removes every row of the table, leaving no range tombstone behind: an empty table (the first
   * load) is left as it is; otherwise the files are dropped whole ({@code DeleteFilesInRange}), and
   * the tombstone that covers the rest is flushed and compacted away with it. A tombstone left in
   * place would overlap every file the load then ingests and hold them all in level 0.
   */
  void clear(OnlineTable table) throws StoreException {
    ColumnFamilyHandle family = table.family();
    try (RocksIterator rows = db.newIterator(family)) {
      rows.seekToFirst();
      if (!rows.isValid()) {
        rows.status();
        return;
      }
    } catch (RocksDBException e) {
      throw failure("cannot read " + table.spec().id(), e);
    }
    byte[] first = new byte[0];
    byte[] last = new byte[] {(byte) 0xFF};
    try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      db.deleteRange(family, first, last);
      db.deleteFilesInRanges(family, List.of(first, last), false);
      db.flush(flush, List.of(family));
      db.compactRange(family);
    } catch (RocksDBException e) {
      throw failure("cannot empty " + table.spec().id(), e);
    } finally {
      rowCache.invalidateAll();
    }
  }

  /** Sorted files for one table's snapshot rows; the caller closes them. */
  SortedRuns sortedRuns() {
    return new SortedRuns(fileOptions, loadDirectory, "load-" + loads.incrementAndGet());
  }

  /**
   * Adds a snapshot's files to the table (moved, not copied). They are durable once this returns:
   * RocksDB syncs them and records them in its manifest.
   */
  void ingest(OnlineTable table, List<Path> files) throws StoreException {
    if (files.isEmpty()) {
      return;
    }
    try (IngestExternalFileOptions options = new IngestExternalFileOptions().setMoveFiles(true)) {
      db.ingestExternalFile(table.family(), files.stream().map(Path::toString).toList(), options);
    } catch (RocksDBException e) {
      throw failure("cannot add the snapshot's files to " + table.spec().id(), e);
    } finally {
      rowCache.invalidateAll();
    }
  }

  private void deleteUnfinishedLoads() throws StoreException {
    if (!Files.isDirectory(loadDirectory)) {
      return;
    }
    try (var files = Files.list(loadDirectory)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    } catch (IOException e) {
      throw new StoreException(
          StoreErrorCode.STORE_UNAVAILABLE,
          "cannot delete the unfinished snapshot files in " + loadDirectory,
          e);
    }
  }

  /**
   * Rows of a snapshot, without WAL: half as much written, and a crash loses nothing that counts,
   * since until {@link #commitOffsets} the table has no position and is loaded again (emptied
   * first).
   */
  void writeBulk(WriteBatch batch) throws StoreException {
    try {
      // The row cache needs no invalidation: the table was emptied first (clear), so a loaded row
      // replaces nothing a reader could have cached, and each row of a copy is written once.
      db.write(bulkWrite, batch);
    } catch (RocksDBException e) {
      throw failure("cannot load snapshot rows", e);
    }
  }

  /**
   * Stores a snapshot's offsets, once the tables it loaded without WAL are flushed to their files:
   * the offsets never outlive the rows they stand for.
   */
  void commitOffsets(List<OnlineTable> loaded, List<SourceOffset> offsets) throws StoreException {
    if (!loaded.isEmpty()) {
      try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
        db.flush(flush, loaded.stream().map(OnlineTable::family).toList());
      } catch (RocksDBException e) {
        throw failure("cannot flush the snapshot's tables", e);
      }
    }
    synchronized (writeLock) {
      try (WriteBatch batch = new WriteBatch()) {
        for (SourceOffset offset : offsets) {
          batch.put(meta, offsetKey(offset), offsetValue(offset));
        }
        db.write(write, batch);
        db.flushWal(true);
      } catch (RocksDBException e) {
        throw failure("cannot store the snapshot's offsets", e);
      }
    }
    for (OnlineTable table : loaded) {
      loading.remove(table.spec().id());
    }
  }

  private void putOffsets(WriteBatchWithIndex writes, List<SourceOffset> offsets)
      throws RocksDBException {
    for (SourceOffset offset : offsets) {
      writes.put(meta, offsetKey(offset), offsetValue(offset));
    }
  }

  @Override
  public void close() {
    synchronized (writeLock) {
      for (ColumnFamilyHandle handle : handles) {
        handle.close();
      }
      db.close();
      write.close();
      bulkWrite.close();
      read.close();
      fileOptions.close();
      dbOptions.close();
      familyOptions.close();
      cache.close();
    }
  }

  // ---- keys

  private static byte[] familyName(TableId table) {
    return (table.schema() + "\u0000" + table.name()).getBytes(UTF_8);
  }

  private static TableId tableOf(byte[] familyName) {
    String name = new String(familyName, UTF_8);
    int at = name.indexOf('\u0000');
    return new TableId(name.substring(0, at), name.substring(at + 1));
  }

  private static byte[] metaKey(byte kind, TableId table) {
    return ((char) kind + "\u0000" + table.schema() + "\u0000" + table.name() + "\u0000")
        .getBytes(UTF_8);
  }

  private static byte[] versionKey(TableId table, int version) {
    byte[] prefix = metaKey(VERSION, table);
    byte[] suffix = Integer.toString(version).getBytes(UTF_8);
    byte[] key = Arrays.copyOf(prefix, prefix.length + suffix.length);
    System.arraycopy(suffix, 0, key, prefix.length, suffix.length);
    return key;
  }

  private static byte[] offsetPrefix(String source) {
    return ((char) OFFSET + "\u0000" + source + "\u0000").getBytes(UTF_8);
  }

  private static byte[] offsetKey(SourceOffset offset) {
    return ((char) OFFSET + "\u0000" + offset.source() + "\u0000" + offset.partition())
        .getBytes(UTF_8);
  }

  /** The position, then the resume data's UTF-8 bytes when there are any. */
  private static byte[] offsetValue(SourceOffset offset) {
    byte[] resume = offset.resume() == null ? new byte[0] : offset.resume().getBytes(UTF_8);
    return ByteBuffer.allocate(Long.BYTES + resume.length)
        .putLong(offset.position())
        .put(resume)
        .array();
  }

  static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length
        && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static StoreException failure(String what, RocksDBException e) {
    return new StoreException(
        StoreErrorCode.STORE_UNAVAILABLE, "online store: " + what + ": " + e.getMessage(), e);
  }
}
