package io.pgmlfollower.replicator.pgoutput;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Relation ('R'): describes a table before the first change to it in a session, and again after its
 * definition changed. Changes refer to it by {@code relationId}; a newer Relation message for the
 * same id replaces the older one. It carries no attnums: columns are the table's non-dropped,
 * non-generated ones in attnum order, restricted to the publication's column list (PostgreSQL 15+).
 *
 * @param relationId the table's OID (unsigned 32-bit, kept in an int)
 * @param namespace the schema name, empty for {@code pg_catalog}
 * @param name the table name
 * @param replicaIdentity {@code pg_class.relreplident}: d(efault), n(othing), f(ull), i(ndex)
 * @param columns the replicated columns, in the order tuple data lists their values
 */
public record RelationMessage(
    int relationId, String namespace, String name, char replicaIdentity, List<Column> columns)
    implements PgOutputMessage {
  public RelationMessage {
    requireNonNull(namespace, "namespace is null");
    requireNonNull(name, "name is null");
    columns = List.copyOf(requireNonNull(columns, "columns is null"));
  }

  /**
   * One column.
   *
   * @param key whether the column is part of the replica identity (flag bit 1)
   * @param name the column name
   * @param typeOid the column's type OID
   * @param typeModifier {@code atttypmod}, -1 when none
   */
  public record Column(boolean key, String name, int typeOid, int typeModifier) {
    public Column {
      requireNonNull(name, "name is null");
    }
  }
}
