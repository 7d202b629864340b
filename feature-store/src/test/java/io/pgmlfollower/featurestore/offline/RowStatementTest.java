package io.pgmlfollower.featurestore.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowStatementTest {
  private static final TableId TABLE = new TableId("app", "Users");
  private static final List<ColumnSpec> COLUMNS =
      List.of(
          new ColumnSpec("id", "integer", 23, true),
          new ColumnSpec("name", "text", 25, false),
          new ColumnSpec("bio", "text", 25, false));
  private static final TableSpec WITH_KEY = new TableSpec(TABLE, COLUMNS, List.of("id"));
  private static final TableSpec WITHOUT_KEY = new TableSpec(TABLE, COLUMNS, List.of());

  @Test
  void insertIsAnUpsertOnTheKey() throws StoreException {
    RowStatement statement =
        statement(WITH_KEY, RowChange.insert(TABLE, new String[] {"1", "a", "b"}));
    assertThat(statement.sql())
        .isEqualTo(
            "INSERT INTO \"app\".\"Users\" (\"id\", \"name\", \"bio\") VALUES (?, ?, ?)"
                + " ON CONFLICT (\"id\") DO UPDATE SET \"name\" = EXCLUDED.\"name\", \"bio\" = EXCLUDED.\"bio\"");
    assertThat(statement(WITHOUT_KEY, RowChange.insert(TABLE, new String[] {"1", "a", "b"})).sql())
        .doesNotContain("ON CONFLICT");
  }

  @Test
  void updateSkipsUnchangedColumnsAndFindsTheRowByTheOldKey() throws StoreException {
    BitSet unchanged = new BitSet();
    unchanged.set(2);
    RowStatement statement =
        statement(
            WITH_KEY,
            RowChange.update(
                TABLE, new String[] {"1", null, null}, new String[] {"2", "a", null}, unchanged));
    assertThat(statement.sql())
        .isEqualTo("UPDATE \"app\".\"Users\" SET \"id\" = ?, \"name\" = ? WHERE \"id\" = ?");
    assertThat(statement.setColumns()).containsExactly(0, 1);
    assertThat(statement.whereColumns()).containsExactly(0);
    assertThat(statement.key().byOldValues()).isTrue();
  }

  @Test
  void withoutKeyOneRowMatchingAllOldValuesIsDeleted() throws StoreException {
    RowStatement statement =
        statement(WITHOUT_KEY, RowChange.delete(TABLE, new String[] {"1", "a", null}));
    assertThat(statement.sql())
        .isEqualTo(
            "DELETE FROM \"app\".\"Users\" WHERE ctid = (SELECT ctid FROM \"app\".\"Users\" WHERE"
                + " \"id\" IS NOT DISTINCT FROM ? AND \"name\" IS NOT DISTINCT FROM ? AND \"bio\" IS NOT"
                + " DISTINCT FROM ? LIMIT 1)");
  }

  @Test
  void updateWithoutKeyNeedsTheOldRow() {
    assertThatThrownBy(
            () ->
                RowStatement.Key.of(
                    WITHOUT_KEY, RowChange.update(TABLE, null, new String[] {"1", "a", "b"}, null)))
        .isInstanceOfSatisfying(
            StoreException.class,
            e -> assertThat(e.code()).isEqualTo(StoreErrorCode.SCHEMA_MISMATCH))
        .hasMessageContaining("REPLICA IDENTITY FULL");
  }

  @Test
  void changesWithDifferentUnchangedColumnsDoNotShareAStatement() throws StoreException {
    BitSet first = new BitSet();
    first.set(2);
    RowStatement.Key a =
        RowStatement.Key.of(
            WITH_KEY, RowChange.update(TABLE, null, new String[] {"1", "a", null}, first));
    RowStatement.Key b =
        RowStatement.Key.of(
            WITH_KEY, RowChange.update(TABLE, null, new String[] {"1", "a", "b"}, null));
    RowStatement.Key c =
        RowStatement.Key.of(
            WITH_KEY, RowChange.update(TABLE, null, new String[] {"2", "x", null}, first));
    assertThat(a).isNotEqualTo(b).isEqualTo(c);
  }

  @Test
  void rowsAreFoundByTheReplicaIdentityIndexWhenItIsNotThePrimaryKey() throws StoreException {
    TableSpec byName = new TableSpec(TABLE, COLUMNS, List.of("id"), List.of("name"));
    RowStatement delete =
        statement(byName, RowChange.delete(TABLE, new String[] {null, "a", null}));
    RowStatement update =
        statement(
            byName,
            RowChange.update(
                TABLE, new String[] {null, "a", null}, new String[] {"1", "b", "c"}, null));

    assertThat(delete.sql()).isEqualTo("DELETE FROM \"app\".\"Users\" WHERE \"name\" = ?");
    assertThat(update.sql()).endsWith(" WHERE \"name\" = ?");
    assertThat(update.whereColumns()).containsExactly(1);
    assertThat(delete.findsOneRow()).isTrue();
    assertThat(update.findsOneRow()).isTrue();
    assertThat(
            statement(byName, RowChange.insert(TABLE, new String[] {"1", "a", "b"})).findsOneRow())
        .isFalse();
  }

  @Test
  void typesWithoutEqualityAreComparedAsText() throws StoreException {
    TableSpec keyless =
        new TableSpec(
            TABLE,
            List.of(
                new ColumnSpec("doc", "json", 114, false),
                new ColumnSpec("docs", "json[]", 199, false),
                new ColumnSpec("b", "jsonb", 3802, false)),
            List.of());
    assertThat(statement(keyless, RowChange.delete(TABLE, new String[] {"{}", "{}", "{}"})).sql())
        .contains(
            "\"doc\"::text IS NOT DISTINCT FROM ? AND \"docs\"::text IS NOT DISTINCT FROM ? AND"
                + " \"b\" IS NOT DISTINCT FROM ?");
  }

  private static RowStatement statement(TableSpec spec, RowChange change) throws StoreException {
    return RowStatement.of(spec, RowStatement.Key.of(spec, change));
  }
}
