package io.pgmlfollower.replicator.stream;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.connection.SourceCatalog;
import io.pgmlfollower.replicator.connection.SourceTypes;
import io.pgmlfollower.replicator.pgoutput.RelationMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Table shapes from the source catalog, ensured in the sink. The row identity is the one the
 * Relation message's key flags describe: it says which columns the old key tuples that follow it
 * carry, even when the table's REPLICA IDENTITY changed on the source since.
 */
public final class CatalogTableSpecs implements TableSpecs {
  private final SourceCatalog catalog;
  private final ChangeSink sink;
  private final String publication;

  public CatalogTableSpecs(SourceCatalog catalog, ChangeSink sink, String publication) {
    this.catalog = requireNonNull(catalog, "catalog is null");
    this.sink = requireNonNull(sink, "sink is null");
    this.publication = requireNonNull(publication, "publication is null");
  }

  @Override
  public TableSpec read(TableId table, RelationMessage relation) throws ReplicatorException {
    Optional<TableSpec> current = catalog.tableSpec(table, publication);
    if (current.isEmpty()) {
      return fromRelation(table, relation);
    }
    TableSpec spec = current.get();
    return new TableSpec(spec.id(), spec.columns(), spec.primaryKey(), rowIdentity(spec, relation));
  }

  /**
   * With REPLICA IDENTITY FULL every column is flagged and the old row comes whole: the primary
   * key, if any, finds it. Otherwise the flagged columns, in the catalog's order when it agrees.
   */
  static List<String> rowIdentity(TableSpec spec, RelationMessage relation) {
    if (relation.replicaIdentity() == 'f') {
      return spec.primaryKey();
    }
    Set<String> flagged =
        relation.columns().stream()
            .filter(RelationMessage.Column::key)
            .map(RelationMessage.Column::name)
            .filter(name -> spec.columnIndex(name) >= 0)
            .collect(Collectors.toSet());
    if (Set.copyOf(spec.rowIdentity()).equals(flagged)) {
      return spec.rowIdentity();
    }
    if (Set.copyOf(spec.primaryKey()).equals(flagged)) {
      return spec.primaryKey();
    }
    return spec.columns().stream().map(ColumnSpec::name).filter(flagged::contains).toList();
  }

  /**
   * The shape the Relation message describes, for a table gone from the catalog: its identity
   * stands in for the primary key, and NOT NULL is unknown (taken as nullable).
   */
  private TableSpec fromRelation(TableId table, RelationMessage relation)
      throws ReplicatorException {
    List<SourceTypes.SourceType> types = new ArrayList<>();
    for (RelationMessage.Column column : relation.columns()) {
      types.add(new SourceTypes.SourceType(column.typeOid(), column.typeModifier()));
    }
    List<SourceTypes.Resolved> resolved = catalog.resolveTypes(types);
    List<ColumnSpec> columns = new ArrayList<>();
    List<String> key = new ArrayList<>();
    for (int i = 0; i < relation.columns().size(); i++) {
      RelationMessage.Column column = relation.columns().get(i);
      columns.add(
          new ColumnSpec(
              column.name(),
              resolved.get(i).typeName(),
              column.typeOid(),
              false,
              resolved.get(i).enumType()));
      if (column.key() && relation.replicaIdentity() != 'f') {
        key.add(column.name());
      }
    }
    return new TableSpec(table, columns, key);
  }

  @Override
  public void ensure(TableSpec spec) throws ReplicatorException {
    try {
      sink.ensureTables(List.of(spec));
    } catch (StoreException e) {
      throw ReplicatorException.fromStore("bring " + spec.id() + " to its source shape", e);
    }
  }
}
