package io.pgmlfollower.serving.config;

import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Renders parser positions as the dotted keys users write, e.g. {@code serve.users[0].name}. */
final class ConfigLocations {
  private ConfigLocations() {}

  static String key(JsonStreamContext context) {
    List<String> segments = new ArrayList<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        segments.add("[" + c.getCurrentIndex() + "]");
      } else if (c.getCurrentName() != null) {
        segments.add(c.getCurrentName());
      }
    }
    Collections.reverse(segments);
    return render(segments);
  }

  static String key(JsonMappingException e) {
    List<String> segments = new ArrayList<>();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        segments.add(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        segments.add("[" + ref.getIndex() + "]");
      }
    }
    return render(segments);
  }

  private static String render(List<String> segments) {
    StringBuilder key = new StringBuilder();
    for (String segment : segments) {
      if (!segment.startsWith("[") && !key.isEmpty()) {
        key.append('.');
      }
      key.append(segment);
    }
    return key.toString();
  }
}
