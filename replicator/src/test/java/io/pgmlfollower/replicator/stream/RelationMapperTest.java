package io.pgmlfollower.replicator.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.connection.Lsn;
import io.pgmlfollower.replicator.pgoutput.BeginMessage;
import io.pgmlfollower.replicator.pgoutput.DeleteMessage;
import io.pgmlfollower.replicator.pgoutput.OldTupleKind;
import io.pgmlfollower.replicator.pgoutput.RelationMessage;
import io.pgmlfollower.replicator.pgoutput.TupleData;
import io.pgmlfollower.replicator.pgoutput.UpdateMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RelationMapperTest {
  private static final TableId ITEMS = new TableId("public", "items");
  private static final int OID = 16_400;
  private static final ColumnSpec ID = new ColumnSpec("id", "integer", 23, true);
  private static final ColumnSpec NAME = new ColumnSpec("name", "text", 25, false);
  private static final ColumnSpec SCORE = new ColumnSpec("score", "double precision", 701, false);
  private static final TableSpec TWO_COLUMNS =
      new TableSpec(ITEMS, List.of(ID, NAME), List.of("id"));

  private final CatalogDouble catalog = new CatalogDouble();
  private final TransactionBuffer buffer =
      new TransactionBuffer(new BeginMessage(Lsn.of(100), Instant.EPOCH, 1), false);
  private final List<String> shapeEvents = new ArrayList<>();
  private final ShapeChangeListener listener =
      new ShapeChangeListener() {
        @Override
        public void beforeShapeChange() {
          shapeEvents.add("before");
        }

        @Override
        public void afterShapeChange(TableSpec before, TableSpec after) {
          shapeEvents.add("after");
          buffer.remap(before, after);
        }
      };

  @Test
  void mapsValuesByColumnReadingTheCatalogOncePerRelationMessage() throws ReplicatorException {
    RelationMapper mapper = new RelationMapper(List.of(TWO_COLUMNS), catalog);
    mapper.onRelation(relation(ID, NAME));

    RowChange insert = mapper.mapping(OID, listener).insert(tuple(text("1"), TupleData.Value.NULL));
    mapper.mapping(OID, listener);
    // pgoutput resends an identical Relation message after unrelated invalidations.
    mapper.onRelation(relation(ID, NAME));
    mapper.mapping(OID, listener);

    assertThat(insert.kind()).isEqualTo(RowChange.Kind.INSERT);
    assertThat(insert.table()).isEqualTo(ITEMS);
    assertThat(insert.newValues()).containsExactly("1", null);
    assertThat(catalog.reads).isEqualTo(1);
    assertThat(catalog.ensured).isEmpty();
  }

  @Test
  void typeModifierChangeReshapesTheSink() throws ReplicatorException {
    ColumnSpec name50 = new ColumnSpec("name", "character varying(50)", 1043, false);
    ColumnSpec name100 = new ColumnSpec("name", "character varying(100)", 1043, false);
    TableSpec before = new TableSpec(ITEMS, List.of(ID, name50), List.of("id"));
    TableSpec after = new TableSpec(ITEMS, List.of(ID, name100), List.of("id"));
    catalog.specs.put(ITEMS, before);
    RelationMapper mapper = new RelationMapper(List.of(before), catalog);
    mapper.onRelation(relation('d', column(ID, true, -1), column(name50, false, 54)));
    mapper.mapping(OID, listener);

    // ALTER TABLE items ALTER name TYPE varchar(100): same name, same type OID, new typmod.
    catalog.specs.put(ITEMS, after);
    mapper.onRelation(relation('d', column(ID, true, -1), column(name100, false, 104)));
    mapper.mapping(OID, listener);

    assertThat(catalog.ensured).containsExactly(after);
  }

  @Test
  void primaryKeyAddedOnTheSourceReshapesTheSink() throws ReplicatorException {
    TableSpec keyless = new TableSpec(ITEMS, List.of(ID, NAME), List.of());
    catalog.specs.put(ITEMS, keyless);
    RelationMapper mapper = new RelationMapper(List.of(keyless), catalog);
    mapper.onRelation(relation('d', column(ID, false, -1), column(NAME, false, -1)));
    mapper.mapping(OID, listener);

    // ALTER TABLE items ADD PRIMARY KEY (id): the key flag appears on id.
    catalog.specs.put(ITEMS, TWO_COLUMNS);
    mapper.onRelation(relation('d', column(ID, true, -1), column(NAME, false, -1)));
    mapper.mapping(OID, listener);

    assertThat(catalog.ensured).containsExactly(TWO_COLUMNS);
  }

  @Test
  void rowIdentityFollowsTheRelationMessagesKeyFlags() {
    ColumnSpec code = new ColumnSpec("code", "text", 25, true);
    TableSpec catalogSpec = new TableSpec(ITEMS, List.of(ID, code, NAME), List.of("id"));

    assertThat(
            CatalogTableSpecs.rowIdentity(
                catalogSpec,
                relation(
                    'd', column(ID, true, -1), column(code, false, -1), column(NAME, false, -1))))
        .containsExactly("id");
    // REPLICA IDENTITY USING INDEX on (code): old key tuples carry code, not id.
    assertThat(
            CatalogTableSpecs.rowIdentity(
                catalogSpec,
                relation(
                    'i', column(ID, false, -1), column(code, true, -1), column(NAME, false, -1))))
        .containsExactly("code");
    // REPLICA IDENTITY FULL flags every column; the primary key finds the row.
    assertThat(
            CatalogTableSpecs.rowIdentity(
                catalogSpec,
                relation(
                    'f', column(ID, true, -1), column(code, true, -1), column(NAME, true, -1))))
        .containsExactly("id");
    TableSpec keyless = new TableSpec(ITEMS, List.of(ID, NAME), List.of());
    assertThat(
            CatalogTableSpecs.rowIdentity(
                keyless, relation('f', column(ID, true, -1), column(NAME, true, -1))))
        .isEmpty();
  }

  @Test
  void marksUnchangedToastValuesOfAnUpdate() throws ReplicatorException {
    RelationMapper mapper = new RelationMapper(List.of(TWO_COLUMNS), catalog);
    mapper.onRelation(relation(ID, NAME));
    UpdateMessage update =
        new UpdateMessage(
            OID,
            OldTupleKind.KEY,
            Optional.of(tuple(text("1"), TupleData.Value.NULL)),
            tuple(text("2"), TupleData.Value.UNCHANGED_TOAST));

    RowChange change = mapper.mapping(OID, listener).update(update);

    assertThat(change.oldValues()).containsExactly("1", null);
    assertThat(change.newValues()).containsExactly("2", null);
    assertThat(change.isUnchanged(0)).isFalse();
    assertThat(change.isUnchanged(1)).isTrue();
  }

  @Test
  void deleteCarriesTheOldKey() throws ReplicatorException {
    RelationMapper mapper = new RelationMapper(List.of(TWO_COLUMNS), catalog);
    mapper.onRelation(relation(ID, NAME));

    RowChange delete =
        mapper
            .mapping(OID, listener)
            .delete(
                new DeleteMessage(OID, OldTupleKind.KEY, tuple(text("9"), TupleData.Value.NULL)));

    assertThat(delete.kind()).isEqualTo(RowChange.Kind.DELETE);
    assertThat(delete.oldValues()).containsExactly("9", null);
  }

  @Test
  void newShapeIsReadFromTheCatalogEnsuredAndAppliedToRowsAlreadyBuffered()
      throws ReplicatorException {
    RelationMapper mapper = new RelationMapper(List.of(TWO_COLUMNS), catalog);
    mapper.onRelation(relation(ID, NAME));
    buffer.add(row(mapper.mapping(OID, listener).insert(tuple(text("1"), text("a")))));
    buffer.add(
        row(
            mapper
                .mapping(OID, listener)
                .update(
                    new UpdateMessage(
                        OID,
                        OldTupleKind.NONE,
                        Optional.empty(),
                        tuple(text("1"), TupleData.Value.UNCHANGED_TOAST)))));
    // ALTER TABLE items DROP COLUMN name, ADD COLUMN score in the same transaction.
    TableSpec reshaped = new TableSpec(ITEMS, List.of(ID, SCORE), List.of("id"));
    catalog.specs.put(ITEMS, reshaped);
    mapper.onRelation(relation(ID, SCORE));

    RowChange insert = mapper.mapping(OID, listener).insert(tuple(text("2"), text("0.5")));

    assertThat(catalog.ensured).containsExactly(reshaped);
    assertThat(shapeEvents).containsExactly("before", "after");
    assertThat(insert.newValues()).containsExactly("2", "0.5");
    List<RowChange> buffered =
        buffer.changes().stream().map(change -> ((ChangeBatch.Row) change).change()).toList();
    assertThat(buffered.get(0).newValues()).containsExactly("1", null);
    assertThat(buffered.get(1).newValues()).containsExactly("1", null);
    // The update did not touch the new column: the store keeps what it has there.
    assertThat(buffered.get(1).isUnchanged(0)).isFalse();
    assertThat(buffered.get(1).isUnchanged(1)).isTrue();
  }

  @Test
  void relationBehindTheCatalogMapsTheColumnsItHasByName() throws ReplicatorException {
    // The catalog already has a column that this (older) Relation message does not list.
    TableSpec current = new TableSpec(ITEMS, List.of(ID, NAME, SCORE), List.of("id"));
    catalog.specs.put(ITEMS, current);
    RelationMapper mapper = new RelationMapper(List.of(current), catalog);
    mapper.onRelation(relation(ID, NAME));

    RelationMapper.Mapping mapping = mapper.mapping(OID, listener);
    RowChange insert = mapping.insert(tuple(text("1"), text("a")));
    RowChange update =
        mapping.update(
            new UpdateMessage(
                OID, OldTupleKind.NONE, Optional.empty(), tuple(text("1"), text("b"))));

    assertThat(catalog.ensured).isEmpty();
    assertThat(insert.newValues()).containsExactly("1", "a", null);
    assertThat(update.newValues()).containsExactly("1", "b", null);
    assertThat(update.isUnchanged(2)).isTrue();
  }

  @Test
  void tableUnknownToTheSinkIsEnsuredBeforeItsFirstChange() throws ReplicatorException {
    catalog.specs.put(ITEMS, TWO_COLUMNS);
    RelationMapper mapper = new RelationMapper(List.of(), catalog);
    mapper.onRelation(relation(ID, NAME));

    mapper.mapping(OID, listener);

    assertThat(catalog.ensured).containsExactly(TWO_COLUMNS);
    assertThat(shapeEvents).containsExactly("before");
  }

  @Test
  void rejectsChangesBeforeTheirRelationMessage() {
    RelationMapper mapper = new RelationMapper(List.of(TWO_COLUMNS), catalog);

    assertThatThrownBy(() -> mapper.mapping(OID, listener))
        .isInstanceOf(ReplicatorException.class)
        .extracting(e -> ((ReplicatorException) e).code())
        .isEqualTo(ReplicatorErrorCode.PROTOCOL_VIOLATION);
  }

  @Test
  void rejectsTuplesOfTheWrongWidthAndBinaryValues() throws ReplicatorException {
    RelationMapper mapper = new RelationMapper(List.of(TWO_COLUMNS), catalog);
    mapper.onRelation(relation(ID, NAME));
    RelationMapper.Mapping mapping = mapper.mapping(OID, listener);

    assertThatThrownBy(() -> mapping.insert(tuple(text("1"))))
        .hasMessageContaining("has 1 columns, its Relation message 2");
    assertThatThrownBy(
            () ->
                mapping.insert(
                    tuple(text("1"), new TupleData.Value(TupleData.Kind.BINARY, new byte[1]))))
        .isInstanceOf(ReplicatorException.class)
        .extracting(e -> ((ReplicatorException) e).code())
        .isEqualTo(ReplicatorErrorCode.UNSUPPORTED);
  }

  private static RelationMessage.Column column(ColumnSpec spec, boolean key, int typeModifier) {
    return new RelationMessage.Column(key, spec.name(), spec.typeOid(), typeModifier);
  }

  private static RelationMessage relation(char identity, RelationMessage.Column... columns) {
    return new RelationMessage(OID, "public", "items", identity, List.of(columns));
  }

  private static RelationMessage relation(ColumnSpec... columns) {
    return new RelationMessage(
        OID,
        "public",
        "items",
        'd',
        Arrays.stream(columns)
            .map(c -> new RelationMessage.Column(c.name().equals("id"), c.name(), c.typeOid(), -1))
            .toList());
  }

  private static TupleData tuple(TupleData.Value... values) {
    return new TupleData(List.of(values));
  }

  private static TupleData.Value text(String value) {
    return TupleData.Value.text(value);
  }

  private static ChangeBatch.Row row(RowChange change) {
    return new ChangeBatch.Row(change);
  }

  /** The source catalog and the sink, as far as the mapper sees them. */
  private static final class CatalogDouble implements TableSpecs {
    private final Map<TableId, TableSpec> specs = new HashMap<>(Map.of(ITEMS, TWO_COLUMNS));
    private final List<TableSpec> ensured = new ArrayList<>();
    private int reads;

    @Override
    public TableSpec read(TableId table, RelationMessage relation) {
      reads++;
      return specs.get(table);
    }

    @Override
    public void ensure(TableSpec spec) {
      ensured.add(spec);
    }
  }
}
