package io.pgmlfollower.pgwire.spi;

import static java.util.Objects.requireNonNull;

/** A result column: its name and type. */
public record ColumnDescription(String name, PgType type) {
  public ColumnDescription {
    requireNonNull(name, "name is null");
    requireNonNull(type, "type is null");
  }
}
