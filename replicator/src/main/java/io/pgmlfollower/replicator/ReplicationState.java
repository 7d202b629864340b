package io.pgmlfollower.replicator;

/** Where a {@link PgOutputSource} is in its life. */
public enum ReplicationState {
  /** Connecting and reading what the store holds. */
  STARTING,
  /** Copying the published tables at the slot's consistent point. */
  SNAPSHOTTING,
  /** Applying the change stream. */
  STREAMING,
  /** Waiting to reconnect after a transient failure. */
  RECONNECTING,
  /** Stopped on an error that a retry cannot fix; see the status' last error. */
  FAILED,
  /** Closed. */
  STOPPED
}
