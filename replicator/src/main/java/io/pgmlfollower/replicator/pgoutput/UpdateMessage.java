package io.pgmlfollower.replicator.pgoutput;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * Update ('U'). The old tuple is present only when the update changed the replica identity ('K') or
 * the table has {@code REPLICA IDENTITY FULL} ('O'); the new tuple marks TOASTed columns the update
 * left alone as unchanged ('u').
 */
public record UpdateMessage(
    int relationId, OldTupleKind oldTupleKind, Optional<TupleData> oldTuple, TupleData newTuple)
    implements PgOutputMessage {
  public UpdateMessage {
    requireNonNull(oldTupleKind, "oldTupleKind is null");
    requireNonNull(oldTuple, "oldTuple is null");
    requireNonNull(newTuple, "newTuple is null");
    if ((oldTupleKind == OldTupleKind.NONE) != oldTuple.isEmpty()) {
      throw new IllegalArgumentException("old tuple kind " + oldTupleKind + " with " + oldTuple);
    }
  }
}
