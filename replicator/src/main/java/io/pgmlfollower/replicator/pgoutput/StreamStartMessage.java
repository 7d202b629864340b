package io.pgmlfollower.replicator.pgoutput;

/**
 * Stream Start ('S', protocol version 2+): the changes up to the next {@link StreamStopMessage}
 * belong to the in-progress transaction {@code xid}, and each carries the xid of the
 * (sub)transaction it was made in ({@link StreamedMessage}).
 *
 * @param xid the top-level transaction's id
 * @param firstSegment whether this is the transaction's first stream block
 */
public record StreamStartMessage(int xid, boolean firstSegment) implements PgOutputMessage {}
