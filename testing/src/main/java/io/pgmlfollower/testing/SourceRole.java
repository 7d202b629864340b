package io.pgmlfollower.testing;

import static java.util.Objects.requireNonNull;

/**
 * A replication source as a DBA hands it to the follower: a LOGIN REPLICATION role (not a
 * superuser) with SELECT on the published tables, and a publication {@code FOR TABLE} those tables.
 */
public record SourceRole(
    String user, String password, String database, String publication, String host, int port) {
  public SourceRole {
    requireNonNull(user, "user is null");
    requireNonNull(password, "password is null");
    requireNonNull(database, "database is null");
    requireNonNull(publication, "publication is null");
    requireNonNull(host, "host is null");
  }

  /** A JDBC URL for a normal (not replication) connection to the source database. */
  public String jdbcUrl() {
    return "jdbc:postgresql://"
        + (host.contains(":") ? "[" + host + "]" : host)
        + ":"
        + port
        + "/"
        + database;
  }
}
