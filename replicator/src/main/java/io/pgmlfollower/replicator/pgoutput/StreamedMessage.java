package io.pgmlfollower.replicator.pgoutput;

import static java.util.Objects.requireNonNull;

/**
 * A message inside a stream block (protocol version 2+): Relation, Type, Insert, Update, Delete,
 * Truncate or Message, prefixed on the wire with the xid of the (sub)transaction it belongs to.
 *
 * @param xid the (sub)transaction the change was made in
 * @param message the change itself, as outside a stream
 * @param size the message's size on the wire, to bound what is buffered
 */
public record StreamedMessage(int xid, PgOutputMessage message, int size)
    implements PgOutputMessage {
  public StreamedMessage {
    requireNonNull(message, "message is null");
  }
}
