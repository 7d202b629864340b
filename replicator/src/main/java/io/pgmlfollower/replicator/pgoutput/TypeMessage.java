package io.pgmlfollower.replicator.pgoutput;

import static java.util.Objects.requireNonNull;

/**
 * Type ('Y'): names a non-built-in type before a Relation message that uses it. Values still arrive
 * in text form, so the name is informational.
 *
 * @param typeOid the type's OID
 * @param namespace its schema, empty for {@code pg_catalog}
 * @param name the type name
 */
public record TypeMessage(int typeOid, String namespace, String name) implements PgOutputMessage {
  public TypeMessage {
    requireNonNull(namespace, "namespace is null");
    requireNonNull(name, "name is null");
  }
}
