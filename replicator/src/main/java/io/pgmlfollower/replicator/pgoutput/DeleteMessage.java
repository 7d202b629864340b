package io.pgmlfollower.replicator.pgoutput;

import static java.util.Objects.requireNonNull;

/**
 * Delete ('D'): the old row's replica identity ('K') or, with {@code REPLICA IDENTITY FULL}, the
 * whole old row ('O').
 */
public record DeleteMessage(int relationId, OldTupleKind oldTupleKind, TupleData oldTuple)
    implements PgOutputMessage {
  public DeleteMessage {
    requireNonNull(oldTupleKind, "oldTupleKind is null");
    requireNonNull(oldTuple, "oldTuple is null");
    if (oldTupleKind == OldTupleKind.NONE) {
      throw new IllegalArgumentException("a delete always carries an old tuple");
    }
  }
}
