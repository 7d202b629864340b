package io.pgmlfollower.featurestore.spi;

import static java.util.Objects.requireNonNull;

/** A table's schema-qualified name, as on the source. Names are stored unquoted, case kept. */
public record TableId(String schema, String name) {
  public TableId {
    requireNonNull(schema, "schema is null");
    requireNonNull(name, "name is null");
  }

  /** The name quoted for SQL, e.g. {@code "public"."Users"}. */
  public String quoted() {
    return quoteIdentifier(schema) + "." + quoteIdentifier(name);
  }

  public static String quoteIdentifier(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  @Override
  public String toString() {
    return schema + "." + name;
  }
}
