package io.pgmlfollower.replicator.connection;

import static java.util.Objects.requireNonNull;

/**
 * What CREATE_REPLICATION_SLOT returned.
 *
 * @param slotName the slot
 * @param consistentPoint the first LSN the slot decodes: the snapshot holds every transaction that
 *     committed before it, the stream every one that commits after it
 * @param snapshotName the exported snapshot, usable by {@code SET TRANSACTION SNAPSHOT} while the
 *     replication connection stays idle
 */
public record SlotCreation(String slotName, Lsn consistentPoint, String snapshotName) {
  public SlotCreation {
    requireNonNull(slotName, "slotName is null");
    requireNonNull(consistentPoint, "consistentPoint is null");
    requireNonNull(snapshotName, "snapshotName is null");
  }
}
