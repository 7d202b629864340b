package io.pgmlfollower.trainer.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArtifactCodecTest {
  /** Stands for any class outside smile.* and java.*, e.g. a deserialization gadget. */
  record Foreign(String payload) implements Serializable {}

  @Test
  void primitiveArraysAndJavaCollectionsLoad() {
    Object loaded = ArtifactCodec.deserialize(ArtifactCodec.serialize(new double[] {1.5, -2}));

    assertThat(loaded).isEqualTo(new double[] {1.5, -2});
  }

  @Test
  void classesOutsideSmileAndJavaAreRejected() {
    byte[] bytes = ArtifactCodec.serialize(new Foreign("boom"));

    assertThatThrownBy(() -> ArtifactCodec.deserialize(bytes))
        .isInstanceOfSatisfying(
            TrainerException.class, e -> assertThat(e.code()).isEqualTo(TrainerErrorCode.INTERNAL))
        .hasMessageContaining("cannot be loaded");
  }

  @Test
  void foreignClassesNestedInJavaCollectionsAreRejected() {
    List<Object> list = new ArrayList<>();
    list.add(new Foreign("nested"));
    byte[] bytes = ArtifactCodec.serialize((Serializable) list);

    assertThatThrownBy(() -> ArtifactCodec.deserialize(bytes)).isInstanceOf(TrainerException.class);
  }

  @Test
  void garbageIsAnInternalErrorNotACrash() {
    assertThatThrownBy(() -> ArtifactCodec.deserialize(new byte[] {1, 2, 3}))
        .isInstanceOfSatisfying(
            TrainerException.class, e -> assertThat(e.sqlState()).isEqualTo("XX000"));
  }
}
