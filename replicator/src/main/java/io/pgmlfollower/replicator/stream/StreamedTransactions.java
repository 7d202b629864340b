package io.pgmlfollower.replicator.stream;

import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.pgoutput.PgOutputMessage;
import io.pgmlfollower.replicator.pgoutput.RelationMessage;
import io.pgmlfollower.replicator.pgoutput.StreamAbortMessage;
import io.pgmlfollower.replicator.pgoutput.StreamStartMessage;
import io.pgmlfollower.replicator.pgoutput.StreamedMessage;
import io.pgmlfollower.replicator.pgoutput.TypeMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-progress transactions the server streams (pgoutput protocol version 2): their messages, in
 * arrival order, held per top-level xid from Stream Start to Stream Commit or Abort. Nothing is
 * applied before the commit, so an aborted transaction leaves no trace.
 *
 * <p>Memory is bounded by {@code maxBytes} over all open transactions (the server interleaves
 * them); beyond it the source stops with an error that names the setting. A transaction whose
 * stream began before a restart is sent again from its first segment, since the slot's restart
 * point never passes an open transaction.
 */
final class StreamedTransactions {
  private static final Logger log = LoggerFactory.getLogger(StreamedTransactions.class);

  private final long maxBytes;
  private final Map<Integer, Buffer> open = new HashMap<>();
  private Buffer current;
  private long bytes;

  private static final class Buffer {
    private final int xid;
    private final List<StreamedMessage> messages = new ArrayList<>();
    private long bytes;

    Buffer(int xid) {
      this.xid = xid;
    }
  }

  StreamedTransactions(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  void start(StreamStartMessage start) throws ReplicatorException {
    if (current != null) {
      throw violation("Stream Start of " + start.xid() + " inside the block of " + current.xid);
    }
    Buffer buffer = open.get(start.xid());
    if (start.firstSegment()) {
      if (buffer != null) {
        throw violation("first stream segment of transaction " + start.xid() + " came twice");
      }
      buffer = new Buffer(start.xid());
      open.put(start.xid(), buffer);
    } else if (buffer == null) {
      throw violation(
          "stream segment of transaction "
              + Integer.toUnsignedString(start.xid())
              + " without its first segment");
    }
    current = buffer;
  }

  void stop() throws ReplicatorException {
    if (current == null) {
      throw violation("Stream Stop outside a stream block");
    }
    current = null;
  }

  void add(StreamedMessage message) throws ReplicatorException {
    if (current == null) {
      throw violation("streamed message outside a stream block");
    }
    if (bytes + message.size() > maxBytes) {
      throw new ReplicatorException(
          ReplicatorErrorCode.UNSUPPORTED,
          "in-progress transactions streamed by the source need more than "
              + maxBytes
              + " bytes of memory (transaction "
              + Integer.toUnsignedString(current.xid)
              + " holds "
              + current.bytes
              + "): raise maxStreamedTransactionBytes (the follower does not spill streamed"
              + " transactions to disk yet), or turn streaming off to let the source spill them");
    }
    current.messages.add(message);
    current.bytes += message.size();
    bytes += message.size();
  }

  /** Removes a committed transaction and returns its messages in arrival order. */
  List<PgOutputMessage> commit(int xid) throws ReplicatorException {
    if (current != null) {
      throw violation("Stream Commit of " + Integer.toUnsignedString(xid) + " inside a stream");
    }
    Buffer buffer = open.remove(xid);
    if (buffer == null) {
      throw violation(
          "Stream Commit of transaction " + Integer.toUnsignedString(xid) + " never streamed");
    }
    bytes -= buffer.bytes;
    List<PgOutputMessage> messages = new ArrayList<>(buffer.messages.size());
    for (StreamedMessage message : buffer.messages) {
      messages.add(message.message());
    }
    return messages;
  }

  /**
   * Drops an aborted transaction, or the changes of an aborted subtransaction. Relation and Type
   * messages stay: the server sends a table's description once per streamed transaction, so later
   * changes of its other subtransactions rely on it.
   */
  void abort(StreamAbortMessage abort) throws ReplicatorException {
    if (current != null) {
      throw violation("Stream Abort inside a stream block");
    }
    Buffer buffer = open.get(abort.xid());
    if (buffer == null) {
      // An abort of a transaction that had streamed nothing of ours yet is still sent.
      log.debug("Stream Abort of unknown transaction {}", Integer.toUnsignedString(abort.xid()));
      return;
    }
    if (abort.wholeTransaction()) {
      open.remove(abort.xid());
      bytes -= buffer.bytes;
      log.debug(
          "Dropped aborted streamed transaction {} ({} messages)",
          Integer.toUnsignedString(abort.xid()),
          buffer.messages.size());
      return;
    }
    long dropped = 0;
    var iterator = buffer.messages.iterator();
    while (iterator.hasNext()) {
      StreamedMessage message = iterator.next();
      if (message.xid() == abort.subXid()
          && !(message.message() instanceof RelationMessage)
          && !(message.message() instanceof TypeMessage)) {
        iterator.remove();
        dropped += message.size();
      }
    }
    buffer.bytes -= dropped;
    bytes -= dropped;
  }

  /** Bytes held for all open transactions. */
  long bytes() {
    return bytes;
  }

  int openTransactions() {
    return open.size();
  }

  private static ReplicatorException violation(String message) {
    return new ReplicatorException(ReplicatorErrorCode.PROTOCOL_VIOLATION, message);
  }
}
