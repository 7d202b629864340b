package io.pgmlfollower.replicator.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.replicator.connection.Lsn;
import io.pgmlfollower.replicator.snapshot.KeepAlive;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The apply rule for copied tables, against a scripted publication (no source needed). */
class TableStatesTest {
  private static final TableId A = new TableId("public", "a");
  private static final TableId B = new TableId("public", "b");

  /** A publication whose tables and copy positions the test sets. */
  private static final class Publication implements PublishedTables {
    final Set<TableId> listed = new HashSet<>();
    final Set<TableId> copyable = new HashSet<>();
    final List<Set<TableId>> copies = new ArrayList<>();
    Lsn next = Lsn.of(1000);

    @Override
    public Set<TableId> list() {
      return Set.copyOf(listed);
    }

    @Override
    public Copied copy(Set<TableId> tables, KeepAlive keepAlive) {
      copies.add(Set.copyOf(tables));
      Map<TableId, Lsn> copied = new HashMap<>();
      for (TableId table : tables) {
        if (listed.contains(table) && copyable.contains(table)) {
          copied.put(table, next);
        }
      }
      return new Copied(next, copied);
    }
  }

  @Test
  void changesBeforeATablesCopyPositionAreSkippedAndLaterOnesApplied() throws Exception {
    Publication publication = new Publication();
    publication.listed.addAll(Set.of(A, B));
    publication.copyable.addAll(Set.of(A, B));
    TableStates states = new TableStates(Map.of(A, Lsn.of(500)), publication);

    assertThat(states.applies(A, Lsn.of(499), KeepAlive.NONE, KeepAlive.NONE)).isFalse();
    assertThat(states.applies(A, Lsn.of(500), KeepAlive.NONE, KeepAlive.NONE)).isTrue();
    // B has no copy: its first change has it copied at 1000, and that change is in the copy.
    assertThat(states.applies(B, Lsn.of(800), KeepAlive.NONE, KeepAlive.NONE)).isFalse();
    assertThat(publication.copies).containsExactly(Set.of(B));
    assertThat(states.applies(B, Lsn.of(1000), KeepAlive.NONE, KeepAlive.NONE)).isTrue();
    assertThat(publication.copies).hasSize(1);
  }

  @Test
  void aListedTableThatCannotBeCopiedIsNotRetriedAtEveryRefresh() throws Exception {
    Publication publication = new Publication();
    publication.listed.addAll(Set.of(A, B));
    publication.copyable.add(A);
    TableStates states = new TableStates(Map.of(A, Lsn.of(500)), publication);

    states.refresh(KeepAlive.NONE);
    states.refresh(KeepAlive.NONE);
    assertThat(publication.copies).containsExactly(Set.of(B));

    // Removed and added back (now readable): copied again.
    publication.listed.remove(B);
    states.refresh(KeepAlive.NONE);
    publication.listed.add(B);
    publication.copyable.add(B);
    states.refresh(KeepAlive.NONE);
    assertThat(publication.copies).containsExactly(Set.of(B), Set.of(B));
    assertThat(states.copied()).containsExactlyInAnyOrder(A, B);
  }

  @Test
  void aRemovedTableIsReportedAndNoLongerCopied() throws Exception {
    Publication publication = new Publication();
    publication.listed.add(A);
    publication.copyable.add(A);
    TableStates states = new TableStates(Map.of(A, Lsn.of(500), B, Lsn.of(500)), publication);

    assertThat(states.refresh(KeepAlive.NONE)).containsExactly(B);
    assertThat(states.copied()).containsExactly(A);
  }
}
