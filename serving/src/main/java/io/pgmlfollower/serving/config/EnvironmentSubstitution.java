package io.pgmlfollower.serving.config;

import static java.util.Objects.requireNonNull;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} in configuration values by the environment variable NAME. An unset
 * variable is an error naming it: a silently empty password or host is worse than not starting.
 * {@code $${} escapes a literal {@code ${}.
 */
final class EnvironmentSubstitution {
  private static final Pattern VARIABLE = Pattern.compile("\\$(\\$?)\\{([A-Za-z_][A-Za-z0-9_]*)}");

  private final Function<String, String> environment;

  EnvironmentSubstitution(Function<String, String> environment) {
    this.environment = requireNonNull(environment, "environment is null");
  }

  /**
   * @param key the dotted key being read, for the error message
   * @param line the value's line in the file
   */
  String apply(String value, String key, int line) {
    if (value.indexOf('$') < 0) {
      return value;
    }
    Matcher matcher = VARIABLE.matcher(value);
    StringBuilder result = new StringBuilder();
    while (matcher.find()) {
      String replacement;
      if (!matcher.group(1).isEmpty()) {
        replacement = "${" + matcher.group(2) + "}";
      } else {
        replacement = environment.apply(matcher.group(2));
        if (replacement == null) {
          throw new ConfigException(
              key,
              "%s (line %d): environment variable %s is not set"
                  .formatted(key, line, matcher.group(2)));
        }
      }
      matcher.appendReplacement(result, Matcher.quoteReplacement(replacement));
    }
    matcher.appendTail(result);
    String substituted = result.toString();
    int leftover = VARIABLE.matcher(value).replaceAll("").indexOf("${");
    if (leftover >= 0) {
      throw new ConfigException(
          key,
          "%s (line %d): malformed environment reference; write ${NAME} with NAME made of"
                  .formatted(key, line)
              + " letters, digits and _ (not starting with a digit), or $${ for a literal ${");
    }
    return substituted;
  }
}
