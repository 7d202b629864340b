package io.pgmlfollower.serving.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import java.io.IOException;

/**
 * Applies environment substitution to every scalar the YAML parser reads, so that a value like
 * {@code port: ${PORT}} is substituted before Jackson coerces it, and errors keep the line.
 */
final class SubstitutingParser extends JsonParserDelegate {
  private final EnvironmentSubstitution substitution;
  private JsonToken substitutedToken;
  private String substituted;
  private final java.util.Set<String> fromEnvironment = new java.util.HashSet<>();

  SubstitutingParser(JsonParser delegate, EnvironmentSubstitution substitution) {
    super(delegate);
    this.substitution = substitution;
  }

  @Override
  public String getText() throws IOException {
    if (!hasToken(JsonToken.VALUE_STRING)) {
      return super.getText();
    }
    if (substitutedToken != currentToken() || substituted == null) {
      String raw = super.getText();
      substituted =
          substitution.apply(
              raw, ConfigLocations.key(getParsingContext()), currentTokenLocation().getLineNr());
      if (!substituted.equals(raw)) {
        fromEnvironment.add(substituted);
      }
      substitutedToken = currentToken();
    }
    return substituted;
  }

  /** Whether a value came (in part) from the environment: it may be a secret, never echo it. */
  boolean cameFromEnvironment(Object value) {
    return value != null && fromEnvironment.contains(value.toString());
  }

  @Override
  public JsonToken nextToken() throws IOException {
    substituted = null;
    return super.nextToken();
  }

  @Override
  public String getValueAsString() throws IOException {
    return hasToken(JsonToken.VALUE_STRING) ? getText() : super.getValueAsString();
  }

  @Override
  public String getValueAsString(String defaultValue) throws IOException {
    return hasToken(JsonToken.VALUE_STRING) ? getText() : super.getValueAsString(defaultValue);
  }

  @Override
  public char[] getTextCharacters() throws IOException {
    return hasToken(JsonToken.VALUE_STRING) ? getText().toCharArray() : super.getTextCharacters();
  }

  @Override
  public int getTextLength() throws IOException {
    return hasToken(JsonToken.VALUE_STRING) ? getText().length() : super.getTextLength();
  }

  @Override
  public int getTextOffset() throws IOException {
    return hasToken(JsonToken.VALUE_STRING) ? 0 : super.getTextOffset();
  }
}
