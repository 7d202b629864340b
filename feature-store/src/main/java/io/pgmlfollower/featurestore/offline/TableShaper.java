package io.pgmlfollower.featurestore.offline;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.EnumType;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates replicated tables, or brings existing ones to the source's shape, inside the caller's
 * transaction, then protects them and grants the client role what it needs.
 *
 * <p>Types are the source's ({@code format_type} text). Enums are created as enums under their
 * source schema and name, before the table ({@link EnumTypes}); a domain arrives as its base type
 * (the source resolves it). A type the store does not know (an extension's type, a composite) is
 * stored as {@code text}: values keep their text form. NOT NULL is not mirrored (the source
 * enforces it; a follower that refused a row would stop replicating); primary keys are. A row
 * identity other than the primary key (REPLICA IDENTITY USING INDEX) gets a plain index, so that
 * updates and deletes find their row without scanning the table.
 *
 * <p>Round trips are counted: an initial snapshot creates every published table here, on the
 * store's fresh backend, between the slot's creation and the first row copied. The store is asked
 * about all the tables at once (their schemas, their columns' types, the columns they have), and
 * the tables that do not exist yet are created together, with their comments, guards and grants, in
 * one round trip per {@value #TABLES_PER_EXECUTE} tables (one {@code execute} of several statements
 * is one round trip in pgjdbc): four round trips for a new publication of up to that many tables,
 * where it took five per table (an enum type still costs a few of its own). A table that exists is
 * reshaped on its own.
 */
final class TableShaper {
  private static final Logger log = LoggerFactory.getLogger(TableShaper.class);

  private final Connection connection;
  private final String clientRole;

  /** Schemas created and granted by this shaper (it lives for one transaction). */
  private final Set<String> readySchemas = new HashSet<>();

  /** Type names by whether this store knows them ({@code to_regtype}). */
  private final Map<String, Boolean> knownTypes = new HashMap<>();

  TableShaper(Connection connection, String clientRole) {
    this.connection = requireNonNull(connection, "connection is null");
    this.clientRole = requireNonNull(clientRole, "clientRole is null");
  }

  /** Tables created by one {@code execute} at most: a bound on the statement text's size. */
  private static final int TABLES_PER_EXECUTE = 64;

  /**
   * Creates the tables that do not exist and brings the others to their spec's shape. The store is
   * asked about all of them at once (schemas, types, existing columns: three round trips whatever
   * their number), and the new ones are created together, a batch of statements per {@value
   * #TABLES_PER_EXECUTE} tables; a table that exists is reshaped on its own ({@link #reshape}).
   */
  void ensureAll(List<TableSpec> tables) throws SQLException {
    ensureAll(tables, Optional.empty(), new EnumTypes(connection, clientRole)::ensure);
  }

  /**
   * Like {@link #ensureAll(List)}, for tables that a load fills next in this same transaction
   * ({@link PostgresSnapshotLoader}): a table that does not exist yet is created bare, without its
   * primary key, row identity index and read-only guard; the statements that add them are returned,
   * for the load to run once the rows are in. The load then neither empties nor sets aside anything
   * of such a table: its keys are built once, in one sorted pass, and no row trigger slows its
   * {@code COPY}. Until the commit no one else sees the table at all. Existing tables are reshaped
   * as {@link #ensureAll(List)} does.
   *
   * <p>The tables' schemas and enum types must be ready, committed beforehand ({@link
   * #prepareForLoad}, which gives {@code enumNames}).
   */
  Load ensureAllForLoad(List<TableSpec> tables, Map<EnumType, String> enumNames)
      throws SQLException {
    Load load = new Load(new ArrayList<>(), new ArrayList<>());
    ensureAll(
        tables,
        Optional.of(load),
        type -> {
          String name = enumNames.get(type);
          if (name == null) {
            throw new IllegalStateException("enum type " + type + " was not prepared for the load");
          }
          return name;
        });
    return load;
  }

  /**
   * What a load's shaping needs committed before it starts ({@link #ensureAllForLoad}): the tables'
   * schemas, created and granted, and their enum types, created or given the source's labels. A
   * label added in the load's own transaction could not be used by its {@code COPY} (PostgreSQL
   * refuses a new enum value before its commit, SQLSTATE 55P04), and a grant on a schema updates
   * its catalog row, which the load would hold until its commit.
   *
   * @return each enum type's name, as the store spells it
   */
  Map<EnumType, String> prepareForLoad(List<TableSpec> tables) throws SQLException {
    prepareSchemas(tables);
    EnumTypes enums = new EnumTypes(connection, clientRole);
    Map<EnumType, String> names = new HashMap<>();
    for (TableSpec spec : tables) {
      for (ColumnSpec column : spec.columns()) {
        if (column.enumType().isPresent() && !names.containsKey(column.enumType().get())) {
          EnumType type = column.enumType().get();
          names.put(type, enums.ensure(type));
        }
      }
    }
    return names;
  }

  /** The store's name of an enum type, made ready for the table that uses it. */
  @FunctionalInterface
  private interface EnumNames {
    String of(EnumType type) throws SQLException;
  }

  /**
   * What {@link #ensureAllForLoad} created bare, and the statements that complete those tables
   * (keys, row identity indexes, guards), in order.
   */
  record Load(List<TableId> created, List<String> completions) {}

  private void ensureAll(List<TableSpec> tables, Optional<Load> load, EnumNames enums)
      throws SQLException {
    // A table listed twice takes its last shape, as when each was ensured in turn.
    Map<TableId, TableSpec> byId = new LinkedHashMap<>();
    tables.forEach(spec -> byId.put(spec.id(), spec));
    List<TableSpec> specs = List.copyOf(byId.values());
    if (load.isEmpty()) {
      prepareSchemas(specs);
    }
    learnTypes(specs);
    Map<TableId, Map<String, String>> existing =
        existingColumns(specs.stream().map(TableSpec::id).toList());
    List<String> creations = new ArrayList<>();
    List<TableSpec> created = new ArrayList<>();
    boolean createdSinceTypesLearned = false;
    for (TableSpec spec : specs) {
      if (createdSinceTypesLearned && hasUnknownTypes(spec)) {
        // A type the store did not know may be the row type of a table created just before (a
        // column of another replicated table's type): those are created now and the store asked
        // again, so that the column gets that type, as when the tables were created one by one.
        executeAll(creations);
        creations.clear();
        relearnUnknownTypes(spec);
        createdSinceTypesLearned = false;
      }
      Map<String, String> wanted = wantedTypes(spec, enums);
      Map<String, String> columns = existing.getOrDefault(spec.id(), Map.of());
      if (columns.isEmpty()) {
        if (load.isPresent()) {
          creations.addAll(bareCreation(spec, wanted));
          load.get().created().add(spec.id());
          load.get().completions().addAll(completion(spec));
        } else {
          creations.addAll(creation(spec, wanted));
        }
        created.add(spec);
        createdSinceTypesLearned = true;
        if (created.size() % TABLES_PER_EXECUTE == 0) {
          executeAll(creations);
          creations.clear();
        }
      } else {
        reshape(spec, wanted, columns);
      }
    }
    executeAll(creations);
    for (TableSpec spec : created) {
      log.info("Created table {} ({} columns)", spec.id(), spec.columns().size());
    }
  }

  private boolean hasUnknownTypes(TableSpec spec) {
    return spec.columns().stream()
        .anyMatch(
            column ->
                column.enumType().isEmpty()
                    && Boolean.FALSE.equals(knownTypes.get(column.typeName())));
  }

  private void relearnUnknownTypes(TableSpec spec) throws SQLException {
    for (ColumnSpec column : spec.columns()) {
      if (Boolean.FALSE.equals(knownTypes.get(column.typeName()))) {
        knownTypes.remove(column.typeName());
      }
    }
    learnTypes(List.of(spec));
  }

  /** Schemas not set up yet by this shaper, created and granted in one round trip. */
  private void prepareSchemas(List<TableSpec> specs) throws SQLException {
    List<String> statements = new ArrayList<>();
    for (TableSpec spec : specs) {
      if (readySchemas.add(spec.id().schema())) {
        String schema = TableId.quoteIdentifier(spec.id().schema());
        // CREATE lets endpoint users define views over the replicated tables, next to them.
        statements.add("CREATE SCHEMA IF NOT EXISTS " + schema);
        statements.add("GRANT USAGE, CREATE ON SCHEMA " + schema + " TO " + clientRole);
      }
    }
    executeAll(statements);
  }

  /** The store's type of each column, by name; enums are created first where they are missing. */
  private Map<String, String> wantedTypes(TableSpec spec, EnumNames enums) throws SQLException {
    Map<String, String> wanted = new LinkedHashMap<>();
    for (ColumnSpec column : spec.columns()) {
      if (column.enumType().isPresent()) {
        // Spelled as the catalog query below prints it, however the spec quoted it.
        String qualified = enums.of(column.enumType().get());
        wanted.put(column.name(), qualified + (column.typeName().endsWith("[]") ? "[]" : ""));
      } else {
        wanted.put(column.name(), storedType(column));
      }
    }
    return wanted;
  }

  /**
   * A new table's statements: the table, its columns' source attnums, its row identity's index, the
   * read-only guard, and write privileges too, so that a client's write meets the guard (25006,
   * with a hint) instead of a permission error (42501).
   */
  private List<String> creation(TableSpec spec, Map<String, String> types) {
    List<String> statements = new ArrayList<>();
    statements.add(createTable(spec, types, true));
    statements.addAll(attnumComments(spec, Map.of()));
    statements.addAll(identityIndexChange(spec, List.of()));
    statements.add(ReadOnlyTables.markReadOnlySql(spec.id()));
    statements.add(grant(spec.id()));
    return statements;
  }

  /**
   * A new table that a load fills next: the table without its primary key (its columns NOT NULL
   * already), its columns' source attnums, and write privileges; {@link #completion} adds the rest
   * once the rows are in.
   */
  private List<String> bareCreation(TableSpec spec, Map<String, String> types) {
    List<String> statements = new ArrayList<>();
    statements.add(createTable(spec, types, false));
    statements.addAll(attnumComments(spec, Map.of()));
    statements.add(grant(spec.id()));
    return statements;
  }

  /**
   * {@code CREATE TABLE} with the key inline, or else only its columns {@code NOT NULL}, as an
   * inline key makes them: a key added later to nullable columns would first scan the loaded rows
   * to verify them, before its index build's own scan.
   */
  private static String createTable(TableSpec spec, Map<String, String> types, boolean keyInline) {
    List<String> definitions = new ArrayList<>();
    types.forEach(
        (name, type) ->
            definitions.add(
                TableId.quoteIdentifier(name)
                    + " "
                    + type
                    + (!keyInline && spec.primaryKey().contains(name) ? " NOT NULL" : "")));
    if (keyInline && !spec.primaryKey().isEmpty()) {
      definitions.add("PRIMARY KEY (" + columnList(spec.primaryKey()) + ")");
    }
    return "CREATE TABLE " + spec.id().quoted() + " (" + String.join(", ", definitions) + ")";
  }

  /**
   * What {@link #creation} has and {@link #bareCreation} leaves out: the primary key (named as an
   * inline one would be, {@code <table>_pkey}), the row identity's index and the read-only guard.
   */
  private static List<String> completion(TableSpec spec) {
    List<String> statements = new ArrayList<>();
    if (!spec.primaryKey().isEmpty()) {
      statements.add(
          "ALTER TABLE "
              + spec.id().quoted()
              + " ADD PRIMARY KEY ("
              + columnList(spec.primaryKey())
              + ")");
    }
    statements.addAll(identityIndexChange(spec, List.of()));
    statements.add(ReadOnlyTables.markReadOnlySql(spec.id()));
    return statements;
  }

  /** An existing table brought to its spec's shape, in its own round trips. */
  private void reshape(TableSpec spec, Map<String, String> wanted, Map<String, String> existing)
      throws SQLException {
    TableId id = spec.id();
    existing = renameColumns(spec, existing);
    alter(spec, wanted, existing);
    List<String> statements = new ArrayList<>(attnumComments(spec, sourceAttnums(id)));
    statements.addAll(identityIndexChange(spec, indexColumns(id.schema(), identityIndexName(id))));
    statements.add(ReadOnlyTables.markReadOnlySql(id));
    statements.add(grant(id));
    executeAll(statements);
  }

  private String grant(TableId id) {
    return "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON " + id.quoted() + " TO " + clientRole;
  }

  /** Statements that need no answer in between, in one round trip (one pgjdbc execute). */
  private void executeAll(List<String> statements) throws SQLException {
    if (statements.isEmpty()) {
      return;
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute(String.join(";\n", statements));
    }
  }

  /** Asks the store, in one query, about the types of the tables' columns it has not seen yet. */
  private void learnTypes(List<TableSpec> specs) throws SQLException {
    Set<String> unseen = new LinkedHashSet<>();
    for (TableSpec spec : specs) {
      for (ColumnSpec column : spec.columns()) {
        if (column.enumType().isEmpty() && !knownTypes.containsKey(column.typeName())) {
          unseen.add(column.typeName());
        }
      }
    }
    if (unseen.isEmpty()) {
      return;
    }
    readKnownTypes(unseen.toArray(String[]::new));
  }

  private void readKnownTypes(String[] names) throws SQLException {
    try (PreparedStatement known =
        connection.prepareStatement(
            "SELECT t, pg_catalog.to_regtype(t) IS NOT NULL FROM unnest(?::text[]) AS t")) {
      known.setArray(1, connection.createArrayOf("text", names));
      try (ResultSet rs = known.executeQuery()) {
        while (rs.next()) {
          knownTypes.put(rs.getString(1), rs.getBoolean(2));
        }
      }
    }
  }

  /**
   * Runs, on no table, the two catalog reads a load starts with ({@link #ensureAllForLoad}), so
   * that this connection's backend has planned them once. A new backend's first plan of them loads
   * catalog entries: 12–15 ms on the embedded store, better spent when the connection is opened
   * than in the first snapshot. Leaves a transaction open when the connection does not auto-commit.
   */
  void warmUp() throws SQLException {
    readKnownTypes(new String[0]);
    readExistingColumns(List.of());
  }

  /**
   * Columns renamed on the source: a wanted column the table lacks by name, whose source attnum
   * (kept in the column's comment) is that of a column the source no longer has by its name, is
   * that column renamed. Renamed, not dropped and added, so its values stay.
   *
   * @return the table's columns after the renames
   */
  private Map<String, String> renameColumns(TableSpec spec, Map<String, String> existing)
      throws SQLException {
    Map<Integer, String> byAttnum = new LinkedHashMap<>();
    sourceAttnums(spec.id()).forEach((column, attnum) -> byAttnum.put(attnum, column));
    List<String> renames = new ArrayList<>();
    for (ColumnSpec column : spec.columns()) {
      String old = byAttnum.get(column.sourceAttnum());
      if (column.sourceAttnum() > 0
          && !existing.containsKey(column.name())
          && old != null
          && spec.columnIndex(old) < 0) {
        renames.add(
            "ALTER TABLE "
                + spec.id().quoted()
                + " RENAME COLUMN "
                + TableId.quoteIdentifier(old)
                + " TO "
                + TableId.quoteIdentifier(column.name()));
      }
    }
    if (renames.isEmpty()) {
      return existing;
    }
    try (Statement statement = connection.createStatement()) {
      for (String rename : renames) {
        statement.execute(rename);
      }
    }
    log.info("Renamed columns of {} as on the source: {}", spec.id(), renames);
    return existingColumns(spec.id());
  }

  private static final String ATTNUM_COMMENT = "pgml-follower: source attnum ";

  /**
   * Keeps each column's source attnum in its comment, for {@link #renameColumns}: the comments that
   * differ from {@code recorded}.
   */
  private static List<String> attnumComments(TableSpec spec, Map<String, Integer> recorded) {
    List<String> comments = new ArrayList<>();
    for (ColumnSpec column : spec.columns()) {
      Integer current = recorded.get(column.name());
      if (column.sourceAttnum() > 0 && (current == null || current != column.sourceAttnum())) {
        comments.add(
            "COMMENT ON COLUMN "
                + spec.id().quoted()
                + "."
                + TableId.quoteIdentifier(column.name())
                + " IS '"
                + ATTNUM_COMMENT
                + column.sourceAttnum()
                + "'");
      }
    }
    return comments;
  }

  private Map<String, Integer> sourceAttnums(TableId id) throws SQLException {
    Map<String, Integer> attnums = new LinkedHashMap<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum)"
                + " FROM pg_catalog.pg_attribute a WHERE a.attrelid = pg_catalog.to_regclass(?)"
                + " AND a.attnum > 0 AND NOT a.attisdropped")) {
      select.setString(1, id.quoted());
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          String comment = rs.getString(2);
          if (comment != null && comment.startsWith(ATTNUM_COMMENT)) {
            try {
              attnums.put(
                  rs.getString(1),
                  Integer.parseInt(comment.substring(ATTNUM_COMMENT.length()).trim()));
            } catch (NumberFormatException e) {
              log.debug("Column comment of {} is not an attnum: {}", id, comment, e);
            }
          }
        }
      }
    }
    return attnums;
  }

  private void alter(TableSpec spec, Map<String, String> wanted, Map<String, String> existing)
      throws SQLException {
    List<String> actions = new ArrayList<>();
    List<String> dropDefaults = new ArrayList<>();
    for (String column : existing.keySet()) {
      if (!wanted.containsKey(column)) {
        actions.add("DROP COLUMN " + TableId.quoteIdentifier(column));
      }
    }
    for (Map.Entry<String, String> column : wanted.entrySet()) {
      String name = TableId.quoteIdentifier(column.getKey());
      String currentType = existing.get(column.getKey());
      Optional<String> missing =
          spec.columns().get(spec.columnIndex(column.getKey())).missingValue();
      if (currentType == null && missing.isPresent()) {
        // The rows held now predate the column: they get the source's missing value the way the
        // source gave it to its rows (a constant default sets attmissingval, no rewrite), and the
        // default goes again (rows come from the source with their values).
        actions.add(
            "ADD COLUMN "
                + name
                + " "
                + column.getValue()
                // An E'' literal: right whatever standard_conforming_strings says.
                + " DEFAULT E'"
                + missing.get().replace("\\", "\\\\").replace("'", "''")
                + "'::"
                + column.getValue());
        dropDefaults.add("ALTER COLUMN " + name + " DROP DEFAULT");
      } else if (currentType == null) {
        actions.add("ADD COLUMN " + name + " " + column.getValue());
      } else if (!currentType.equals(column.getValue())) {
        // Through text: every type has a text form, and it is what the source's values are in.
        actions.add(
            "ALTER COLUMN "
                + name
                + " TYPE "
                + column.getValue()
                + " USING "
                + name
                + "::text::"
                + column.getValue());
      }
    }
    List<String> currentKey = primaryKey(spec.id());
    String constraint = primaryKeyConstraint(spec.id());
    boolean keyChanged = !currentKey.equals(spec.primaryKey());
    if (keyChanged && constraint != null) {
      actions.addFirst("DROP CONSTRAINT " + TableId.quoteIdentifier(constraint));
    }
    if (keyChanged && !spec.primaryKey().isEmpty()) {
      actions.add("ADD PRIMARY KEY (" + columnList(spec.primaryKey()) + ")");
    }
    if (actions.isEmpty()) {
      return;
    }
    String change = "ALTER TABLE " + spec.id().quoted() + " " + String.join(", ", actions);
    if (actions.stream()
        .anyMatch(a -> a.startsWith("DROP COLUMN") || a.startsWith("ALTER COLUMN"))) {
      // Both are refused while a view uses the column: views are set aside around the change.
      new DependentViews(connection, clientRole).aroundChange(spec.id(), change);
    } else {
      try (Statement statement = connection.createStatement()) {
        statement.execute(change);
      }
    }
    if (!dropDefaults.isEmpty()) {
      // Apart: ALTER TABLE runs a statement's drops before its additions.
      try (Statement statement = connection.createStatement()) {
        statement.execute(
            "ALTER TABLE " + spec.id().quoted() + " " + String.join(", ", dropDefaults));
      }
    }
    log.info("Altered table {} to the source's shape: {}", spec.id(), actions);
  }

  /**
   * An index on the row identity when it is not the primary key, named after the table; dropped
   * when the identity becomes the primary key or all columns again.
   *
   * @param current the columns of the table's identity index now, empty when it has none
   * @return the statements that make it so
   */
  private static List<String> identityIndexChange(TableSpec spec, List<String> current) {
    String name = identityIndexName(spec.id());
    boolean wanted = !spec.rowIdentity().isEmpty() && !spec.rowIdentity().equals(spec.primaryKey());
    if (wanted && current.equals(spec.rowIdentity())) {
      return List.of();
    }
    String qualified = TableId.quoteIdentifier(spec.id().schema()) + "." + quote(name);
    List<String> statements = new ArrayList<>();
    if (!current.isEmpty()) {
      statements.add("DROP INDEX " + qualified);
    }
    if (wanted) {
      statements.add(
          "CREATE INDEX "
              + quote(name)
              + " ON "
              + spec.id().quoted()
              + " ("
              + columnList(spec.rowIdentity())
              + ")");
      log.info("Indexing the row identity {} of {}", spec.rowIdentity(), spec.id());
    }
    return statements;
  }

  /** At most 63 bytes (NAMEDATALEN - 1), the table's name shortened when needed. */
  static String identityIndexName(TableId table) {
    String suffix = "_row_identity";
    String base = table.name();
    while (base.getBytes(StandardCharsets.UTF_8).length + suffix.length() > 63) {
      base = base.substring(0, base.length() - 1);
    }
    return base + suffix;
  }

  private List<String> indexColumns(String schema, String index) throws SQLException {
    List<String> columns = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT a.attname FROM pg_catalog.pg_class c"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid"
                + " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)"
                + " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                + " WHERE n.nspname = ? AND c.relname = ? ORDER BY k.ord")) {
      select.setString(1, schema);
      select.setString(2, index);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          columns.add(rs.getString(1));
        }
      }
    }
    return columns;
  }

  private static String quote(String name) {
    return TableId.quoteIdentifier(name);
  }

  /** The column's type if this server knows it ({@link #learnTypes}), else {@code text}. */
  private String storedType(ColumnSpec column) {
    if (Boolean.TRUE.equals(knownTypes.get(column.typeName()))) {
      return column.typeName();
    }
    log.warn(
        "Type {} of column {} is unknown to the store; storing its values as text",
        column.typeName(),
        column.name());
    return "text";
  }

  /** The columns (name to type) of each table that exists, in one query. */
  private Map<TableId, Map<String, String>> existingColumns(List<TableId> ids) throws SQLException {
    if (ids.isEmpty()) {
      return new HashMap<>();
    }
    return readExistingColumns(ids);
  }

  private Map<TableId, Map<String, String>> readExistingColumns(List<TableId> ids)
      throws SQLException {
    Map<TableId, Map<String, String>> columns = new HashMap<>();
    String[] names = ids.stream().map(TableId::quoted).toArray(String[]::new);
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT w.ord, a.attname, "
                + EnumTypes.QUALIFIED_TYPE_NAME
                + " FROM unnest(?::text[]) WITH ORDINALITY AS w(name, ord)"
                + " JOIN pg_catalog.pg_attribute a ON a.attrelid = pg_catalog.to_regclass(w.name)"
                + EnumTypes.QUALIFIED_TYPE_JOINS
                + " WHERE a.attnum > 0 AND NOT a.attisdropped"
                + " ORDER BY w.ord, a.attnum")) {
      select.setArray(1, connection.createArrayOf("text", names));
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          TableId id = ids.get(rs.getInt(1) - 1);
          columns
              .computeIfAbsent(id, unused -> new LinkedHashMap<>())
              .put(rs.getString(2), rs.getString(3));
        }
      }
    }
    return columns;
  }

  /** The columns (name to type) of one table, empty when it does not exist. */
  private Map<String, String> existingColumns(TableId id) throws SQLException {
    return existingColumns(List.of(id)).getOrDefault(id, Map.of());
  }

  private List<String> primaryKey(TableId id) throws SQLException {
    List<String> key = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT a.attname FROM pg_catalog.pg_index i"
                + " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
                + " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                + " WHERE i.indrelid = pg_catalog.to_regclass(?) AND i.indisprimary ORDER BY k.ord")) {
      select.setString(1, id.quoted());
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          key.add(rs.getString(1));
        }
      }
    }
    return key;
  }

  private String primaryKeyConstraint(TableId id) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT conname FROM pg_catalog.pg_constraint WHERE conrelid = pg_catalog.to_regclass(?) AND contype = 'p'")) {
      select.setString(1, id.quoted());
      try (ResultSet rs = select.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /**
   * {@code COPY table (its columns, in spec order) FROM STDIN} or {@code TO STDOUT}, in {@code
   * format}, with {@code extraOptions} (e.g. {@code ", FREEZE"}) after it.
   */
  static String copyStatement(
      TableSpec table, String direction, CopyFormat format, String extraOptions) {
    return "COPY "
        + table.id().quoted()
        + " ("
        + columnList(table.columns().stream().map(c -> c.name()).toList())
        + ") "
        + direction
        + " WITH (FORMAT "
        + format.sqlName()
        + extraOptions
        + ")";
  }

  static String columnList(List<String> columns) {
    List<String> quoted = new ArrayList<>(columns.size());
    for (String column : columns) {
      quoted.add(TableId.quoteIdentifier(column));
    }
    return String.join(", ", quoted);
  }
}
