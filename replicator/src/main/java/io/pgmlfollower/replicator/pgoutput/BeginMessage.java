package io.pgmlfollower.replicator.pgoutput;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.replicator.connection.Lsn;
import java.time.Instant;

/**
 * Begin ('B'): a transaction's changes follow, up to the matching {@link CommitMessage}.
 *
 * @param finalLsn the LSN of the transaction's commit record; equals the Commit's {@code commitLsn}
 * @param commitTime the commit timestamp on the source
 * @param xid the transaction id
 */
public record BeginMessage(Lsn finalLsn, Instant commitTime, int xid) implements PgOutputMessage {
  public BeginMessage {
    requireNonNull(finalLsn, "finalLsn is null");
    requireNonNull(commitTime, "commitTime is null");
  }
}
