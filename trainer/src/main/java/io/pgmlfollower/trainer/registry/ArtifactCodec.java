package io.pgmlfollower.trainer.registry;

import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;

/**
 * Model artifacts in each library's own format: XGBoost's JSON model file as it is, Smile's model
 * object as Java serialization, the format {@code smile.io.Write.object} writes. Reading is guarded
 * by an {@link ObjectInputFilter} that admits only {@code smile.*} and {@code java.*} classes and
 * primitive arrays, so that a tampered {@code pgml.files} row cannot instantiate arbitrary classes
 * (deserialization gadgets) in the follower
 * (https://docs.oracle.com/en/java/javase/25/core/serialization-filtering1.html).
 */
public final class ArtifactCodec {
  /** Tree nodes nest one object level per tree level; 64-deep trees stay far below this. */
  private static final long MAX_DEPTH = 2_000;

  static final ObjectInputFilter FILTER =
      info -> {
        if (info.depth() > MAX_DEPTH) {
          return ObjectInputFilter.Status.REJECTED;
        }
        Class<?> type = info.serialClass();
        if (type == null) {
          return ObjectInputFilter.Status.ALLOWED;
        }
        while (type.isArray()) {
          type = type.getComponentType();
        }
        if (type.isPrimitive()) {
          return ObjectInputFilter.Status.ALLOWED;
        }
        String name = type.getName();
        return name.startsWith("smile.") || name.startsWith("java.")
            ? ObjectInputFilter.Status.ALLOWED
            : ObjectInputFilter.Status.REJECTED;
      };

  private ArtifactCodec() {}

  /**
   * A JSON document (XGBoost's model format) rather than a Java serialization stream, which always
   * starts with the magic bytes {@code AC ED}.
   */
  private static boolean isJson(byte[] data) {
    return data.length > 0 && data[0] == '{';
  }

  public static byte[] serialize(Serializable artifact) {
    if (artifact instanceof byte[] model && isJson(model)) {
      return model; // a library's own model file (XGBoost's JSON), stored as it is
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(artifact);
    } catch (IOException e) {
      // Only a non-serializable field inside the model can fail here: a bug, not an I/O problem.
      throw new UncheckedIOException("cannot serialize " + artifact.getClass().getName(), e);
    }
    return bytes.toByteArray();
  }

  /**
   * @throws TrainerException INTERNAL when the bytes are not a model or name a rejected class
   */
  public static Object deserialize(byte[] data) {
    if (isJson(data)) {
      return data;
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(data))) {
      in.setObjectInputFilter(FILTER);
      return in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new TrainerException(
          TrainerErrorCode.INTERNAL,
          "a stored model cannot be loaded (%s): retrain the project or deploy another model"
              .formatted(e.getMessage()),
          e);
    }
  }
}
