package io.pgmlfollower.replicator.snapshot;

import io.pgmlfollower.replicator.ReplicatorException;

/**
 * Called between rows of a long copy that runs while a replication stream is open, so that the
 * stream can report its (unchanged) position before wal_sender_timeout ends the session.
 */
@FunctionalInterface
public interface KeepAlive {
  KeepAlive NONE = () -> {};

  void ping() throws ReplicatorException;
}
