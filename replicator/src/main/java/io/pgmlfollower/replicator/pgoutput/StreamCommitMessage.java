package io.pgmlfollower.replicator.pgoutput;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.replicator.connection.Lsn;
import java.time.Instant;

/**
 * Stream Commit ('c', protocol version 2+): the streamed transaction {@code xid} committed; its
 * changes, received in earlier stream blocks, apply now.
 *
 * @param xid the top-level transaction's id
 * @param flags currently unused by PostgreSQL (0)
 * @param commitLsn the LSN of the commit record
 * @param endLsn the LSN just past the commit record (to store and acknowledge)
 * @param commitTime the commit timestamp on the source
 */
public record StreamCommitMessage(int xid, int flags, Lsn commitLsn, Lsn endLsn, Instant commitTime)
    implements PgOutputMessage {
  public StreamCommitMessage {
    requireNonNull(commitLsn, "commitLsn is null");
    requireNonNull(endLsn, "endLsn is null");
    requireNonNull(commitTime, "commitTime is null");
  }
}
