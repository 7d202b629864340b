package io.pgmlfollower.trainer.deployment;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import io.pgmlfollower.trainer.data.LabelMapping;
import io.pgmlfollower.trainer.data.Standardizer;
import io.pgmlfollower.trainer.preprocess.FittedPreprocess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * What turns a feature vector into a prediction besides the model: feature names and types,
 * preprocessing, the label mapping. Stored as JSON next to the model artifact in {@code pgml.files}
 * ({@value #PATH}), so a follower that restarts predicts exactly as the one that trained. Readable
 * by humans on purpose: {@code SELECT convert_from(data, 'UTF8') FROM pgml.files WHERE path =
 * 'pipeline.json'}.
 *
 * @param formatVersion bumped on incompatible changes; readers refuse newer versions
 * @param task {@code regression}, {@code classification}, {@code clustering} or {@code
 *     decomposition}
 * @param target the column predicted; absent for clustering and decomposition
 * @param relation the relation trained on, {@code schema.name}
 * @param labels the classes of a classification model, in class-index order
 * @param scale the standardization applied before the model, if any
 * @param artifactPath the {@code pgml.files.path} of the serialized model
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Pipeline(
    @JsonProperty("format_version") int formatVersion,
    @JsonProperty("task") String task,
    @JsonProperty("algorithm") String algorithm,
    @JsonProperty("relation") String relation,
    @JsonProperty("target") Column target,
    @JsonProperty("features") List<Column> features,
    @JsonProperty("labels") Labels labels,
    @JsonProperty("scale") Standardizer scale,
    @JsonProperty("artifact_path") String artifactPath,
    @JsonProperty("preprocess") FittedPreprocess preprocess) {
  public static final String PATH = "pipeline.json";
  public static final String ARTIFACT_PATH = "estimator.ser";
  public static final int FORMAT_VERSION = 1;

  private static final ObjectMapper MAPPER =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public Pipeline {
    requireNonNull(task, "task is null");
    requireNonNull(algorithm, "algorithm is null");
    requireNonNull(relation, "relation is null");
    features = List.copyOf(requireNonNull(features, "features is null"));
    requireNonNull(artifactPath, "artifactPath is null");
  }

  /** This pipeline with the preprocessing fitted on the training rows. */
  public Pipeline withPreprocess(FittedPreprocess fitted) {
    return new Pipeline(
        formatVersion,
        task,
        algorithm,
        relation,
        target,
        features,
        labels,
        scale,
        artifactPath,
        fitted);
  }

  /** A pipeline without {@code preprocess} (none given, or one that changes nothing). */
  public Pipeline(
      int formatVersion,
      String task,
      String algorithm,
      String relation,
      Column target,
      List<Column> features,
      Labels labels,
      Standardizer scale,
      String artifactPath) {
    this(
        formatVersion,
        task,
        algorithm,
        relation,
        target,
        features,
        labels,
        scale,
        artifactPath,
        null);
  }

  /** A column of the relation: its name and type as {@code format_type} prints it. */
  public record Column(@JsonProperty("name") String name, @JsonProperty("pg_type") String pgType) {
    public Column {
      requireNonNull(name, "name is null");
      requireNonNull(pgType, "pgType is null");
    }
  }

  /**
   * @param kind {@code numeric} (numbers and booleans) or {@code text}
   * @param values the labels in class-index order
   */
  public record Labels(@JsonProperty("kind") String kind, @JsonProperty("values") List<?> values) {
    public Labels {
      requireNonNull(kind, "kind is null");
      requireNonNull(values, "values is null");
    }

    public static Labels of(LabelMapping mapping) {
      return new Labels(mapping.isText() ? "text" : "numeric", mapping.labels());
    }

    public LabelMapping toMapping() {
      if (kind.equals("text")) {
        return LabelMapping.ofText(values.stream().map(String::valueOf).toArray(String[]::new));
      }
      return LabelMapping.ofNumeric(
          values.stream().mapToDouble(value -> ((Number) value).doubleValue()).toArray());
    }
  }

  public Task taskValue() {
    return Task.fromSqlName(task);
  }

  public Optional<LabelMapping> labelMapping() {
    return Optional.ofNullable(labels).map(Labels::toMapping);
  }

  public byte[] toJson() {
    try {
      return MAPPER.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write pipeline JSON", e);
    }
  }

  public static Pipeline fromJson(byte[] json) {
    Pipeline pipeline;
    try {
      pipeline = MAPPER.readValue(json, Pipeline.class);
    } catch (IOException | RuntimeException e) {
      throw new TrainerException(
          TrainerErrorCode.INTERNAL,
          "a stored model's pipeline cannot be read (%s): retrain the project".formatted(e),
          e);
    }
    if (pipeline.formatVersion() > FORMAT_VERSION) {
      throw new TrainerException(
          TrainerErrorCode.INTERNAL,
          "the deployed model was stored by a newer follower (pipeline format %d, this one reads"
                  .formatted(pipeline.formatVersion())
              + " up to %d): upgrade the follower or retrain".formatted(FORMAT_VERSION));
    }
    return pipeline;
  }
}
