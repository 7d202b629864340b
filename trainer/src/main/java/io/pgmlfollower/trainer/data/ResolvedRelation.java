package io.pgmlfollower.trainer.data;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.TableId;
import java.util.List;

/** A relation found in the catalog, with its columns in table order. */
public record ResolvedRelation(TableId id, List<RelationColumn> columns) {
  public ResolvedRelation {
    requireNonNull(id, "id is null");
    columns = List.copyOf(requireNonNull(columns, "columns is null"));
  }

  /** {@code schema.name}, unquoted, as recorded in {@code pgml.snapshots.relation_name}. */
  public String qualifiedName() {
    return id.toString();
  }
}
