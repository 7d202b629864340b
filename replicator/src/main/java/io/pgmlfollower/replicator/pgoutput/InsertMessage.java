package io.pgmlfollower.replicator.pgoutput;

import static java.util.Objects.requireNonNull;

/** Insert ('I'): a new row ('N' tuple) in the relation. */
public record InsertMessage(int relationId, TupleData newTuple) implements PgOutputMessage {
  public InsertMessage {
    requireNonNull(newTuple, "newTuple is null");
  }
}
