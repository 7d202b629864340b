package io.pgmlfollower.replicator.stream;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.pgoutput.DeleteMessage;
import io.pgmlfollower.replicator.pgoutput.RelationMessage;
import io.pgmlfollower.replicator.pgoutput.TupleData;
import io.pgmlfollower.replicator.pgoutput.UpdateMessage;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns tuple data into row changes in the sink's column order. Relation messages are cached by
 * relation OID and replaced by every newer one. pgoutput sends one before the first change to a
 * table in a session and again whenever the table's definition was invalidated (DDL, including type
 * modifier, key and REPLICA IDENTITY changes), but never the DDL itself: so on the first change
 * after a Relation message that differs from the cached one (in anything: columns, type OIDs and
 * modifiers, key flags, replica identity), the table is re-read from the source catalog and, when
 * that shape differs from the one the sink holds, the sink is brought to it before any change to it
 * is applied.
 */
public final class RelationMapper {
  private static final Logger log = LoggerFactory.getLogger(RelationMapper.class);

  private final TableSpecs tableSpecs;
  private final Map<TableId, TableSpec> specs = new HashMap<>();
  private final Map<Integer, RelationMessage> relations = new HashMap<>();
  private final Map<Integer, Mapping> mappings = new HashMap<>();

  /**
   * @param known the specs the sink holds now
   * @param tableSpecs reads and ensures specs when a Relation message disagrees with them
   */
  public RelationMapper(Collection<TableSpec> known, TableSpecs tableSpecs) {
    this.tableSpecs = requireNonNull(tableSpecs, "tableSpecs is null");
    known.forEach(spec -> specs.put(spec.id(), spec));
  }

  public void onRelation(RelationMessage relation) {
    RelationMessage previous = relations.put(relation.relationId(), relation);
    if (!relation.equals(previous)) {
      mappings.remove(relation.relationId());
    }
  }

  /**
   * Re-reads the tables that have enum columns and ensures those whose enums changed: a label added
   * to an enum on the source ({@code ALTER TYPE ... ADD VALUE}) changes no table, so pgoutput sends
   * no new Relation message, and the store first hears of the label when it refuses a value. Only
   * tables whose columns are unchanged are reshaped here, so that row changes already mapped stay
   * valid; other changes wait for their Relation message.
   *
   * @return whether any table changed
   */
  boolean refreshEnumTables() throws ReplicatorException {
    boolean changed = false;
    for (RelationMessage relation : relations.values()) {
      TableId table = tableId(relation);
      TableSpec spec = specs.get(table);
      if (spec == null || spec.columns().stream().noneMatch(c -> c.enumType().isPresent())) {
        continue;
      }
      TableSpec fresh = tableSpecs.read(table, relation);
      if (!fresh.equals(spec) && columnNames(fresh).equals(columnNames(spec))) {
        log.info("Enum types of {} changed on the source: {}", table, describe(fresh));
        tableSpecs.ensure(fresh);
        specs.put(table, fresh);
        mappings.remove(relation.relationId());
        changed = true;
      }
    }
    return changed;
  }

  private static List<String> columnNames(TableSpec spec) {
    return spec.columns().stream().map(ColumnSpec::name).toList();
  }

  /**
   * The mapping for a relation, checked against the sink's spec on first use after its Relation
   * message. {@code listener} is told before and after the sink's table changes shape.
   */
  Mapping mapping(int relationId, ShapeChangeListener listener) throws ReplicatorException {
    Mapping mapping = mappings.get(relationId);
    if (mapping != null) {
      return mapping;
    }
    RelationMessage relation = relations.get(relationId);
    if (relation == null) {
      throw new ReplicatorException(
          ReplicatorErrorCode.PROTOCOL_VIOLATION,
          "change for relation "
              + Integer.toUnsignedString(relationId)
              + " before any Relation message describing it");
    }
    TableId table = tableId(relation);
    TableSpec spec = specs.get(table);
    TableSpec fresh = tableSpecs.read(table, relation);
    if (!fresh.equals(spec)) {
      if (spec == null) {
        log.warn(
            "Table {} was not part of the initial copy (added to the publication later?):"
                + " replicating its changes from now on",
            table);
      } else {
        log.info(
            "Table {} changed shape on the source: {} -> {}",
            table,
            describe(spec),
            describe(fresh));
      }
      listener.beforeShapeChange();
      tableSpecs.ensure(fresh);
      if (spec != null) {
        listener.afterShapeChange(spec, fresh);
      }
      specs.put(table, fresh);
    }
    spec = fresh;
    mapping = new Mapping(relation, spec);
    mappings.put(relationId, mapping);
    return mapping;
  }

  private static String describe(TableSpec spec) {
    return spec.columns().stream()
            .map(
                column ->
                    column.name()
                        + " "
                        + column.typeName()
                        + column.enumType().map(e -> " " + e.labels()).orElse(""))
            .collect(Collectors.joining(", ", "(", ")"))
        + " primary key "
        + spec.primaryKey()
        + " row identity "
        + spec.rowIdentity();
  }

  /** pgoutput sends an empty namespace for {@code pg_catalog}. */
  static TableId tableId(RelationMessage relation) {
    String schema = relation.namespace().isEmpty() ? "pg_catalog" : relation.namespace();
    return new TableId(schema, relation.name());
  }

  /** Places a relation's tuple values at their spec positions, matching columns by name. */
  static final class Mapping {
    private final RelationMessage relation;
    private final TableSpec spec;
    private final int[] specIndex;
    private final BitSet notSent;

    Mapping(RelationMessage relation, TableSpec spec) {
      this.relation = relation;
      this.spec = spec;
      this.specIndex = new int[relation.columns().size()];
      this.notSent = new BitSet(spec.columns().size());
      notSent.set(0, spec.columns().size());
      for (int i = 0; i < specIndex.length; i++) {
        specIndex[i] = spec.columnIndex(relation.columns().get(i).name());
        if (specIndex[i] >= 0) {
          notSent.clear(specIndex[i]);
        }
      }
    }

    TableId table() {
      return spec.id();
    }

    /**
     * A column the relation does not send was added after the row was written (the spec is the
     * catalog's, newer than the message): the row has the column's missing value, as on the source.
     */
    RowChange insert(TupleData tuple) throws ReplicatorException {
      String[] values = values(tuple, null);
      for (int i = notSent.nextSetBit(0); i >= 0; i = notSent.nextSetBit(i + 1)) {
        values[i] = spec.columns().get(i).missingValue().orElse(null);
      }
      return RowChange.insert(spec.id(), values);
    }

    RowChange update(UpdateMessage update) throws ReplicatorException {
      BitSet unchanged = (BitSet) notSent.clone();
      String[] newValues = values(update.newTuple(), unchanged);
      String[] oldValues =
          update.oldTuple().isPresent() ? values(update.oldTuple().get(), null) : null;
      return RowChange.update(spec.id(), oldValues, newValues, unchanged);
    }

    RowChange delete(DeleteMessage delete) throws ReplicatorException {
      return RowChange.delete(spec.id(), values(delete.oldTuple(), null));
    }

    /**
     * One text value per spec column; columns the relation does not send are null and, with {@code
     * unchanged} given, marked unchanged like unsent TOAST values.
     */
    private String[] values(TupleData tuple, BitSet unchanged) throws ReplicatorException {
      if (tuple.size() != specIndex.length) {
        throw new ReplicatorException(
            ReplicatorErrorCode.PROTOCOL_VIOLATION,
            "tuple for "
                + spec.id()
                + " has "
                + tuple.size()
                + " columns, its Relation message "
                + specIndex.length);
      }
      String[] values = new String[spec.columns().size()];
      for (int i = 0; i < specIndex.length; i++) {
        int target = specIndex[i];
        if (target < 0) {
          continue;
        }
        TupleData.Value value = tuple.get(i);
        switch (value.kind()) {
          case NULL -> values[target] = null;
          case UNCHANGED_TOAST -> {
            if (unchanged != null) {
              unchanged.set(target);
            }
          }
          case TEXT -> values[target] = value.text();
          case BINARY ->
              throw new ReplicatorException(
                  ReplicatorErrorCode.UNSUPPORTED,
                  "binary value for "
                      + spec.id()
                      + "."
                      + relation.columns().get(i).name()
                      + ": this replicator asks pgoutput for text values only");
        }
      }
      return values;
    }
  }
}
