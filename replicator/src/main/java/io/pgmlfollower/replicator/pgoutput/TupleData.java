package io.pgmlfollower.replicator.pgoutput;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * TupleData: one value per column of the relation, in the Relation message's column order. Values
 * travel in text form unless the subscriber asked for {@code binary 'true'}; this replicator never
 * does, so the store's input functions parse stream and COPY values alike.
 */
public record TupleData(List<Value> values) {
  public TupleData {
    values = List.copyOf(requireNonNull(values, "values is null"));
  }

  public int size() {
    return values.size();
  }

  public Value get(int column) {
    return values.get(column);
  }

  /** How a column's value arrived. */
  public enum Kind {
    /** 'n': SQL NULL. */
    NULL,
    /** 'u': an unchanged TOASTed value that was not sent; the stored value stays. */
    UNCHANGED_TOAST,
    /** 't': text format. */
    TEXT,
    /** 'b': binary format (only with the {@code binary} option). */
    BINARY
  }

  /** One column's value; {@code bytes} is empty for NULL and unchanged TOAST. */
  public record Value(Kind kind, byte[] bytes) {
    private static final byte[] NONE = new byte[0];
    public static final Value NULL = new Value(Kind.NULL, NONE);
    public static final Value UNCHANGED_TOAST = new Value(Kind.UNCHANGED_TOAST, NONE);

    public Value {
      requireNonNull(kind, "kind is null");
      requireNonNull(bytes, "bytes is null");
    }

    public static Value text(String text) {
      return new Value(Kind.TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The text value; the walsender converts it to the client encoding, UTF8 for pgjdbc. */
    public String text() {
      if (kind != Kind.TEXT) {
        throw new IllegalStateException("not a text value: " + kind);
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return kind == Kind.TEXT ? "'" + text() + "'" : kind.name();
    }
  }
}
