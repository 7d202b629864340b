package io.pgmlfollower.replicator.pgoutput;

/**
 * Stream Abort ('A', protocol version 2+): the streamed (sub)transaction {@code subXid} of
 * transaction {@code xid} rolled back; its changes are dropped. When {@code subXid == xid} the
 * whole transaction aborted.
 *
 * @param xid the top-level transaction's id
 * @param subXid the aborted subtransaction's id, or {@code xid}
 */
public record StreamAbortMessage(int xid, int subXid) implements PgOutputMessage {
  public boolean wholeTransaction() {
    return xid == subXid;
  }
}
