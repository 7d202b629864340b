package io.pgmlfollower.replicator.pgoutput;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Truncate ('T'): one TRUNCATE statement, which may name several tables (and cascade to more).
 *
 * @param relationIds the OIDs of every truncated relation, each described by an earlier Relation
 *     message
 */
public record TruncateMessage(List<Integer> relationIds, boolean cascade, boolean restartIdentity)
    implements PgOutputMessage {
  /** Option bit 1: CASCADE. */
  static final int CASCADE = 1;

  /** Option bit 2: RESTART IDENTITY. */
  static final int RESTART_IDENTITY = 2;

  public TruncateMessage {
    relationIds = List.copyOf(requireNonNull(relationIds, "relationIds is null"));
  }
}
