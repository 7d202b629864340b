package io.pgmlfollower.trainer;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.trainer.preprocess.ColumnPreprocess;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The arguments of {@code pgml.train}. Build with {@link #builder(String)}; every setter accepts
 * {@code null} as "not given" (SQL NULL or an omitted named argument), which selects PostgresML's
 * default.
 */
public final class TrainRequest {
  public static final String DEFAULT_ALGORITHM = "linear";
  public static final double DEFAULT_TEST_SIZE = 0.25;

  private final String projectName;
  private final Optional<Task> task;
  private final Optional<String> relationName;
  private final Optional<String> yColumnName;
  private final String algorithm;
  private final Map<String, Object> hyperparams;
  private final double testSize;
  private final TestSampling testSampling;
  private final boolean automaticDeploy;
  private final Optional<SearchSpec> search;
  private final Map<String, ColumnPreprocess> preprocess;

  private TrainRequest(Builder builder) {
    this.projectName = builder.projectName;
    this.task = Optional.ofNullable(builder.task);
    this.relationName = Optional.ofNullable(builder.relationName);
    this.yColumnName = Optional.ofNullable(builder.yColumnName);
    this.algorithm = builder.algorithm;
    this.hyperparams = Collections.unmodifiableMap(new LinkedHashMap<>(builder.hyperparams));
    this.testSize = builder.testSize;
    this.testSampling = builder.testSampling;
    this.automaticDeploy = builder.automaticDeploy;
    this.search = Optional.ofNullable(builder.search);
    this.preprocess = Collections.unmodifiableMap(new LinkedHashMap<>(builder.preprocess));
  }

  /** {@code preprocess}: per feature column, how NULLs are imputed and values scaled. */
  public Map<String, ColumnPreprocess> preprocess() {
    return preprocess;
  }

  public static Builder builder(String projectName) {
    return new Builder(projectName);
  }

  public String projectName() {
    return projectName;
  }

  /** Required on a project's first training; later ones take the project's task. */
  public Optional<Task> task() {
    return task;
  }

  /** Required on a project's first training; later ones reuse the project's last relation. */
  public Optional<String> relationName() {
    return relationName;
  }

  public Optional<String> yColumnName() {
    return yColumnName;
  }

  /** Lower-case algorithm name, default {@code linear}. */
  public String algorithm() {
    return algorithm;
  }

  /** As given (JSON numbers, strings, booleans); a null value selects the default. */
  public Map<String, Object> hyperparams() {
    return hyperparams;
  }

  public double testSize() {
    return testSize;
  }

  public TestSampling testSampling() {
    return testSampling;
  }

  public boolean automaticDeploy() {
    return automaticDeploy;
  }

  /** The hyperparameter search, when {@code search} or {@code search_params} was given. */
  public Optional<SearchSpec> search() {
    return search;
  }

  /** {@code test_size} is a fraction of the rows: strictly between 0 and 1. */
  static void checkTestSize(double testSize) {
    if (!(testSize > 0 && testSize < 1)) {
      throw new TrainerException(
          TrainerErrorCode.INVALID_ARGUMENT,
          "test_size must be between 0 and 1 exclusive (the fraction of rows held out for"
              + " scoring), got "
              + testSize);
    }
  }

  public static final class Builder {
    private final String projectName;
    private Task task;
    private String relationName;
    private String yColumnName;
    private String algorithm = DEFAULT_ALGORITHM;
    private Map<String, Object> hyperparams = Map.of();
    private double testSize = DEFAULT_TEST_SIZE;
    private TestSampling testSampling = TestSampling.RANDOM;
    private boolean automaticDeploy = true;
    private SearchSpec search;
    private Map<String, ColumnPreprocess> preprocess = Map.of();

    private Builder(String projectName) {
      requireNonNull(projectName, "projectName is null");
      if (projectName.isBlank()) {
        throw new TrainerException(
            TrainerErrorCode.INVALID_ARGUMENT, "project_name must not be empty");
      }
      this.projectName = projectName;
    }

    public Builder task(Task task) {
      this.task = task;
      return this;
    }

    /** Parses {@code regression} or {@code classification}, any case. */
    public Builder task(String task) {
      this.task = task == null ? null : Task.fromSqlName(task);
      return this;
    }

    public Builder relationName(String relationName) {
      this.relationName = blankToNull(relationName, "relation_name");
      return this;
    }

    public Builder yColumnName(String yColumnName) {
      this.yColumnName = blankToNull(yColumnName, "y_column_name");
      return this;
    }

    public Builder algorithm(String algorithm) {
      String name = blankToNull(algorithm, "algorithm");
      this.algorithm = name == null ? DEFAULT_ALGORITHM : name.toLowerCase(Locale.ROOT);
      return this;
    }

    public Builder hyperparams(Map<String, Object> hyperparams) {
      this.hyperparams = hyperparams == null ? Map.of() : hyperparams;
      return this;
    }

    public Builder testSize(Double testSize) {
      if (testSize == null) {
        this.testSize = DEFAULT_TEST_SIZE;
        return this;
      }
      checkTestSize(testSize);
      this.testSize = testSize;
      return this;
    }

    public Builder testSampling(TestSampling testSampling) {
      this.testSampling = testSampling == null ? TestSampling.RANDOM : testSampling;
      return this;
    }

    /** Parses {@code random} or {@code last}, any case. */
    public Builder testSampling(String testSampling) {
      return testSampling(testSampling == null ? null : TestSampling.fromSqlName(testSampling));
    }

    public Builder automaticDeploy(Boolean automaticDeploy) {
      this.automaticDeploy = automaticDeploy == null || automaticDeploy;
      return this;
    }

    /**
     * {@code search}, {@code search_params}, {@code search_args} as given (each may be null).
     *
     * @throws TrainerException INVALID_ARGUMENT naming the argument at fault
     */
    public Builder search(
        String search, Map<String, Object> searchParams, Map<String, Object> searchArgs) {
      this.search = SearchSpec.of(search, searchParams, searchArgs).orElse(null);
      return this;
    }

    /**
     * {@code preprocess} as given (null for none).
     *
     * @throws TrainerException INVALID_ARGUMENT naming the column and option at fault
     */
    public Builder preprocess(Map<String, Object> preprocess) {
      this.preprocess = ColumnPreprocess.parse(preprocess);
      return this;
    }

    public TrainRequest build() {
      return new TrainRequest(this);
    }

    private static String blankToNull(String value, String argument) {
      if (value == null) {
        return null;
      }
      if (value.isBlank()) {
        throw new TrainerException(
            TrainerErrorCode.INVALID_ARGUMENT,
            argument + " must not be empty: pass NULL (or omit it) to use the default");
      }
      return value.strip();
    }
  }
}
