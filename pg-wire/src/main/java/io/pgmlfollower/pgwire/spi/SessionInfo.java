package io.pgmlfollower.pgwire.spi;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/** Who a session is: the authenticated user, the database asked for, the startup parameters. */
public record SessionInfo(
    String user, String database, Map<String, String> startupParameters, int processId) {
  public SessionInfo {
    requireNonNull(user, "user is null");
    requireNonNull(database, "database is null");
    startupParameters = Map.copyOf(requireNonNull(startupParameters, "startupParameters is null"));
  }
}
