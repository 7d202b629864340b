package io.pgmlfollower.featurestore.offline;

import static java.util.Objects.requireNonNull;

/**
 * The non-superuser role that endpoint sessions run as: reads replicated tables and the {@code
 * pgml} registry, creates views in replicated schemas, and is refused (SQLSTATE 25006) when it
 * writes to replicated tables.
 */
public record ClientRole(String name, String password) {
  public ClientRole {
    requireNonNull(name, "name is null");
    requireNonNull(password, "password is null");
  }

  @Override
  public String toString() {
    return "ClientRole[name=" + name + "]";
  }
}
