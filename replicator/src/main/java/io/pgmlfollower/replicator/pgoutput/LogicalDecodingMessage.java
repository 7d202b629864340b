package io.pgmlfollower.replicator.pgoutput;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.replicator.connection.Lsn;

/**
 * Message ('M'): written on the source by {@code pg_logical_emit_message(transactional, prefix,
 * content)}, sent when the {@code messages} option is on (PostgreSQL 14+). Useful as a heartbeat.
 *
 * @param transactional whether it belongs to the enclosing transaction (flag bit 1)
 * @param lsn the LSN of the message
 */
public record LogicalDecodingMessage(boolean transactional, Lsn lsn, String prefix, byte[] content)
    implements PgOutputMessage {
  public LogicalDecodingMessage {
    requireNonNull(lsn, "lsn is null");
    requireNonNull(prefix, "prefix is null");
    content = requireNonNull(content, "content is null").clone();
  }

  @Override
  public byte[] content() {
    return content.clone();
  }
}
