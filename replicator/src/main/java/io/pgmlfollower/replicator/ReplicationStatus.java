package io.pgmlfollower.replicator;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.replicator.snapshot.SnapshotProgress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A point-in-time view of one source, as {@code pgml.replication_status()} shows it.
 *
 * @param sourceName the configured source name
 * @param state where the source is in its life
 * @param slot the replication slot
 * @param receivedLsn the latest source position the server reported, e.g. {@code 0/16B3748}
 * @param receivedLsnValue the same as a 64-bit number
 * @param appliedLsn everything the source wrote up to here is in the store (empty before the
 *     snapshot committed)
 * @param appliedLsnValue the same as a 64-bit number (0 before the snapshot committed)
 * @param lagBytes how far {@code appliedLsn} trails {@code receivedLsn}
 * @param lastAppliedCommitTime the source commit time of the last transaction applied
 * @param lagMillis how long ago the transaction being received committed on the source; 0 when
 *     nothing is in flight
 * @param lastError the message of the last failure, kept while reconnecting and after FAILED
 * @param appliedChanges row changes (and truncates) applied from the stream since start-up
 * @param tableCopies the copies of tables made since start-up: the initial snapshot's and those of
 *     tables added to the publication later, with their progress
 */
public record ReplicationStatus(
    String sourceName,
    ReplicationState state,
    String slot,
    String receivedLsn,
    long receivedLsnValue,
    String appliedLsn,
    long appliedLsnValue,
    long lagBytes,
    Optional<Instant> lastAppliedCommitTime,
    long lagMillis,
    Optional<String> lastError,
    long appliedChanges,
    List<SnapshotProgress.TableProgress> tableCopies) {
  public ReplicationStatus {
    requireNonNull(sourceName, "sourceName is null");
    requireNonNull(state, "state is null");
    requireNonNull(slot, "slot is null");
    requireNonNull(receivedLsn, "receivedLsn is null");
    requireNonNull(appliedLsn, "appliedLsn is null");
    requireNonNull(lastAppliedCommitTime, "lastAppliedCommitTime is null");
    requireNonNull(lastError, "lastError is null");
    tableCopies = List.copyOf(requireNonNull(tableCopies, "tableCopies is null"));
  }
}
