package io.pgmlfollower.replicator.connection;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * A row of {@code pg_replication_slots}
 * (https://www.postgresql.org/docs/current/view-pg-replication-slots.html).
 *
 * @param plugin the output plugin, empty for a physical slot
 * @param database the database a logical slot decodes
 * @param activePid the walsender using the slot, if any
 * @param confirmedFlush the position the consumer last confirmed; the server never sends a
 *     transaction that committed before it again
 * @param walStatus {@code reserved}, {@code extended}, {@code unreserved} or {@code lost}
 *     (PostgreSQL 13+; empty before): a lost slot was invalidated, its WAL removed
 */
public record SlotState(
    String name,
    Optional<String> plugin,
    Optional<String> database,
    OptionalInt activePid,
    Optional<Lsn> confirmedFlush,
    Optional<String> walStatus) {
  public SlotState {
    requireNonNull(name, "name is null");
    requireNonNull(plugin, "plugin is null");
    requireNonNull(database, "database is null");
    requireNonNull(activePid, "activePid is null");
    requireNonNull(confirmedFlush, "confirmedFlush is null");
    requireNonNull(walStatus, "walStatus is null");
  }

  /** The server invalidated the slot: the WAL it needed is removed, it can never stream again. */
  public boolean lost() {
    return walStatus.equals(Optional.of("lost"));
  }

  public boolean active() {
    return activePid.isPresent();
  }
}
