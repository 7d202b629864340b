package io.pgmlfollower.replicator.pgoutput;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.replicator.connection.Lsn;
import java.time.Instant;

/**
 * Commit ('C'): ends the transaction opened by the last {@link BeginMessage}.
 *
 * @param flags currently unused by PostgreSQL (0)
 * @param commitLsn the LSN of the commit record
 * @param endLsn the LSN just past the commit record: the position to store and acknowledge once the
 *     transaction is applied, and to restart from
 * @param commitTime the commit timestamp on the source
 */
public record CommitMessage(int flags, Lsn commitLsn, Lsn endLsn, Instant commitTime)
    implements PgOutputMessage {
  public CommitMessage {
    requireNonNull(commitLsn, "commitLsn is null");
    requireNonNull(endLsn, "endLsn is null");
    requireNonNull(commitTime, "commitTime is null");
  }
}
