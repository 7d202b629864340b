package io.pgmlfollower.replicator.stream;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.connection.Lsn;
import io.pgmlfollower.replicator.snapshot.KeepAlive;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which tables the stream applies changes to, and from which position: a table is applied from the
 * position its copy is consistent with (see {@link SourcePositions}). A change to a table with no
 * copy (added to the publication since) first has the table copied, at a new snapshot; a table
 * found not published at that snapshot is skipped up to it, and copied again if its changes keep
 * coming after it (added back).
 */
public final class TableStates {
  private static final Logger log = LoggerFactory.getLogger(TableStates.class);

  /**
   * @param position from where the table's changes are in the store (when copied) or skipped (when
   *     not)
   */
  private record State(Lsn position, boolean copied) {}

  private final PublishedTables published;
  private final Map<TableId, State> states = new HashMap<>();

  /**
   * Tables the publication lists that a copy did not include (no column readable by the follower's
   * role, say): not tried again at every refresh, only once they left the list and came back.
   */
  private final Set<TableId> uncopyable = new HashSet<>();

  /**
   * @param copied the tables the store holds a copy of, by the position it is consistent with
   */
  public TableStates(Map<TableId, Lsn> copied, PublishedTables published) {
    this.published = requireNonNull(published, "published is null");
    copied.forEach((table, position) -> states.put(table, new State(position, true)));
  }

  /**
   * Whether a change to {@code table} by the transaction that committed at {@code commitLsn}
   * belongs in the store. May copy the table first ({@code beforeCopy} runs before, so that the
   * caller can store what it holds and keep its stream alive during the copy).
   */
  public boolean applies(TableId table, Lsn commitLsn, KeepAlive beforeCopy, KeepAlive keepAlive)
      throws ReplicatorException {
    State state = states.get(table);
    if (state == null || (!state.copied() && !commitLsn.isBefore(state.position()))) {
      beforeCopy.ping();
      copy(Set.of(table), keepAlive);
      state = states.get(table);
    }
    return state.copied() && !commitLsn.isBefore(state.position());
  }

  /**
   * Compares the tables copied with the publication: tables added (with no change since, else they
   * were copied already) are copied now; tables removed stop being applied and lose their stored
   * position, so that adding them back copies them again.
   *
   * @return the tables that left the publication
   */
  public Set<TableId> refresh(KeepAlive keepAlive) throws ReplicatorException {
    Set<TableId> now = published.list();
    uncopyable.retainAll(now);
    Set<TableId> added = new HashSet<>();
    for (TableId table : now) {
      State state = states.get(table);
      if ((state == null || !state.copied()) && !uncopyable.contains(table)) {
        added.add(table);
      }
    }
    Set<TableId> removed = new HashSet<>();
    states.forEach(
        (table, state) -> {
          if (state.copied() && !now.contains(table)) {
            removed.add(table);
          }
        });
    removed.forEach(states::remove);
    if (!removed.isEmpty()) {
      log.warn(
          "Tables {} left the publication: their changes are no longer applied, and their rows"
              + " stay in the store as they are. Added back, they are copied again.",
          removed);
    }
    if (!added.isEmpty()) {
      copy(added, keepAlive);
      for (TableId table : added) {
        if (!states.get(table).copied()) {
          log.warn(
              "Table {} is in the publication but could not be copied (is it readable by the"
                  + " follower's role?); not tried again until it leaves the publication",
              table);
          uncopyable.add(table);
        }
      }
    }
    return removed;
  }

  /** The tables the store holds a current copy of. */
  public Set<TableId> copied() {
    Set<TableId> copied = new HashSet<>();
    states.forEach(
        (table, state) -> {
          if (state.copied()) {
            copied.add(table);
          }
        });
    return copied;
  }

  private void copy(Set<TableId> tables, KeepAlive keepAlive) throws ReplicatorException {
    PublishedTables.Copied result = published.copy(tables, keepAlive);
    for (TableId table : tables) {
      Lsn position = result.copied().get(table);
      if (position != null) {
        states.put(table, new State(position, true));
      } else {
        log.info(
            "Table {} is not in the publication at {}: its changes before that are skipped",
            table,
            result.position());
        states.put(table, new State(result.position(), false));
      }
    }
  }
}
