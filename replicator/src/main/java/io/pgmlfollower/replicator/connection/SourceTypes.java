package io.pgmlfollower.replicator.connection;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.EnumType;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a replicated column's type is named for the store, from its source type OID and modifier (as
 * {@code pg_attribute} and pgoutput's Relation message both give them): one resolution for the
 * snapshot and the stream, so both describe a table alike.
 *
 * <ul>
 *   <li>Built-in and other types: {@code format_type(oid, typmod)}, e.g. {@code numeric(10,2)}.
 *   <li>Enums: schema-qualified ({@code public.mood}), with their labels in sort order ({@code
 *       pg_enum}) so that the store creates the same enum.
 *   <li>Domains: their base type, with the domain's modifier (a domain over {@code varchar(10)} is
 *       stored as {@code character varying(10)}); the source enforces the domain's constraints, the
 *       follower only holds values that passed them.
 *   <li>Arrays of enums or domains: the element resolved as above, then {@code []}.
 * </ul>
 */
public final class SourceTypes {
  private final Connection connection;

  public SourceTypes(Connection connection) {
    this.connection = requireNonNull(connection, "connection is null");
  }

  /**
   * A type as the store should create it.
   *
   * @param typeName the SQL spelling, e.g. {@code character varying(10)[]} or {@code public.mood}
   * @param enumType the enum to create first, if the type is (an array of) one
   */
  public record Resolved(String typeName, Optional<EnumType> enumType) {
    public Resolved {
      requireNonNull(typeName, "typeName is null");
      requireNonNull(enumType, "enumType is null");
    }
  }

  /** A column's type on the source: its OID and modifier ({@code atttypmod}, -1 for none). */
  public record SourceType(int oid, int typeModifier) {}

  /** Resolves each type, in order, with one catalog query plus one per enum or domain. */
  public List<Resolved> resolveAll(List<SourceType> types) throws SQLException {
    Long[] oids = new Long[types.size()];
    Integer[] modifiers = new Integer[types.size()];
    for (int i = 0; i < oids.length; i++) {
      oids[i] = Integer.toUnsignedLong(types.get(i).oid());
      modifiers[i] = types.get(i).typeModifier();
    }
    List<Resolved> resolved = new ArrayList<>(types.size());
    String sql =
        "SELECT pg_catalog.format_type(o.oid, o.typmod),"
            + " t.typtype IN ('d', 'e') OR e.typtype IN ('d', 'e')"
            + " FROM unnest(?::oid[], ?::int4[]) WITH ORDINALITY AS o(oid, typmod, ord)"
            + " LEFT JOIN pg_catalog.pg_type t ON t.oid = o.oid"
            + " LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'"
            + " ORDER BY o.ord";
    Array oidArray = connection.createArrayOf("int8", oids);
    Array modifierArray = connection.createArrayOf("int4", modifiers);
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setArray(1, oidArray);
      statement.setArray(2, modifierArray);
      try (ResultSet rows = statement.executeQuery()) {
        int i = 0;
        while (rows.next()) {
          resolved.add(
              rows.getBoolean(2)
                  ? resolve(types.get(i).oid(), types.get(i).typeModifier())
                  : new Resolved(rows.getString(1), Optional.empty()));
          i++;
        }
      }
    } finally {
      oidArray.free();
      modifierArray.free();
    }
    return resolved;
  }

  private record TypeRow(
      char typtype,
      int baseType,
      int baseModifier,
      int elementType,
      boolean isArray,
      String schema,
      String name,
      String qualified,
      String formatted) {}

  private Resolved resolve(int oid, int typeModifier) throws SQLException {
    // Bounded: a domain cannot be its own base, an array's element is not an array.
    for (int depth = 0; depth < 32; depth++) {
      TypeRow row = row(oid, typeModifier);
      switch (row.typtype()) {
        case 'd' -> {
          oid = row.baseType();
          typeModifier = row.baseModifier();
        }
        case 'e' ->
        // The name qualified whatever the search_path, as the store compares it.
        {
          return new Resolved(
              row.qualified(), Optional.of(new EnumType(row.schema(), row.name(), labels(oid))));
        }
        default -> {
          if (row.isArray()) {
            TypeRow element = row(row.elementType(), typeModifier);
            if (element.typtype() == 'd' || element.typtype() == 'e') {
              Resolved resolved = resolve(row.elementType(), typeModifier);
              return new Resolved(resolved.typeName() + "[]", resolved.enumType());
            }
          }
          return new Resolved(row.formatted(), Optional.empty());
        }
      }
    }
    throw new SQLException("type " + Integer.toUnsignedString(oid) + " nests too deeply");
  }

  private TypeRow row(int oid, int typeModifier) throws SQLException {
    String sql =
        "SELECT t.typtype, t.typbasetype, t.typtypmod, t.typelem, t.typcategory = 'A',"
            + " n.nspname, t.typname,"
            + " pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.typname),"
            + " pg_catalog.format_type(t.oid, ?)"
            + " FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
            + " WHERE t.oid = ?::oid";
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setInt(1, typeModifier);
      statement.setLong(2, Integer.toUnsignedLong(oid));
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next()) {
          throw new SQLException(
              "type " + Integer.toUnsignedString(oid) + " does not exist on the source", "42704");
        }
        return new TypeRow(
            rows.getString(1).charAt(0),
            (int) rows.getLong(2),
            rows.getInt(3),
            (int) rows.getLong(4),
            rows.getBoolean(5),
            rows.getString(6),
            rows.getString(7),
            rows.getString(8),
            rows.getString(9));
      }
    }
  }

  private List<String> labels(int enumOid) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT enumlabel FROM pg_catalog.pg_enum WHERE enumtypid = ?::oid"
                + " ORDER BY enumsortorder")) {
      statement.setLong(1, Integer.toUnsignedLong(enumOid));
      List<String> labels = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          labels.add(rows.getString(1));
        }
      }
      return labels;
    }
  }
}
