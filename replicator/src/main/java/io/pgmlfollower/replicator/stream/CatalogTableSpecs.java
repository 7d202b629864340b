package io.pgmlfollower.replicator.stream;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.connection.SourceCatalog;
import io.pgmlfollower.replicator.pgoutput.RelationMessage;
import java.util.ArrayList;
import java.util.List;

/** Table shapes from the source catalog, ensured in the sink. */
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
    var spec = catalog.tableSpec(table, publication);
    return spec.isPresent() ? spec.get() : fromRelation(table, relation);
  }

  /**
   * The shape the Relation message describes: its replica identity stands in for the primary key,
   * and NOT NULL is unknown (taken as nullable).
   */
  private TableSpec fromRelation(TableId table, RelationMessage relation)
      throws ReplicatorException {
    List<ColumnSpec> columns = new ArrayList<>();
    List<String> key = new ArrayList<>();
    for (RelationMessage.Column column : relation.columns()) {
      columns.add(
          new ColumnSpec(
              column.name(),
              catalog.formatType(column.typeOid(), column.typeModifier()),
              column.typeOid(),
              false));
      if (column.key()) {
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
