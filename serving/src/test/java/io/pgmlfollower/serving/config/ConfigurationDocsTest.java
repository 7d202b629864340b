package io.pgmlfollower.serving.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docs/configuration.md names every key follower.yaml takes, as FollowerConfig reads them. */
class ConfigurationDocsTest {
  /** Keys documented whole (a list of small maps explained in one line). */
  private static final Set<String> DOCUMENTED_WHOLE = Set.of("serve.users");

  @Test
  void everyKeyIsDocumented() throws Exception {
    String docs = Files.readString(Path.of("../docs/configuration.md"));
    List<String> keys = new ArrayList<>();
    collect(FollowerConfig.class, "", keys);
    assertThat(keys).hasSizeGreaterThan(40).contains("admin.ready-max-lag-seconds");
    assertThat(keys.stream().filter(key -> !docs.contains("`" + key + "`")).toList())
        .as("keys missing from docs/configuration.md")
        .isEmpty();
  }

  private static void collect(Class<?> type, String prefix, List<String> keys) {
    for (RecordComponent component : type.getRecordComponents()) {
      JsonProperty property = component.getAccessor().getAnnotation(JsonProperty.class);
      if (property == null) {
        property = component.getAnnotation(JsonProperty.class);
      }
      String key = prefix + (property != null ? property.value() : component.getName());
      Class<?> valueType = component.getType();
      Type generic = component.getGenericType();
      if (valueType.isRecord() && !DOCUMENTED_WHOLE.contains(key)) {
        collect(valueType, key + ".", keys);
      } else if (List.class.isAssignableFrom(valueType)
          && generic instanceof ParameterizedType list
          && list.getActualTypeArguments()[0] instanceof Class<?> element
          && element.isRecord()
          && !DOCUMENTED_WHOLE.contains(key)) {
        collect(element, key + "[].", keys);
      } else {
        keys.add(key);
      }
    }
  }
}
