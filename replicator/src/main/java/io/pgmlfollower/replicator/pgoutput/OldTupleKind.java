package io.pgmlfollower.replicator.pgoutput;

/** What an UPDATE or DELETE carries of the old row. */
public enum OldTupleKind {
  /** Nothing: an UPDATE that did not change the replica identity. */
  NONE,
  /** 'K': the old replica identity (key) columns; other columns are null. */
  KEY,
  /** 'O': the whole old row, sent with {@code REPLICA IDENTITY FULL}. */
  FULL
}
