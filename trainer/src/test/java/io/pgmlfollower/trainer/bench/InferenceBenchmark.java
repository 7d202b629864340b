package io.pgmlfollower.trainer.bench;

import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.algorithm.AlgorithmCatalog;
import io.pgmlfollower.trainer.algorithm.ClassificationAlgorithm;
import io.pgmlfollower.trainer.algorithm.ClassificationEstimator;
import io.pgmlfollower.trainer.algorithm.HyperParameters;
import io.pgmlfollower.trainer.data.LabelMapping;
import io.pgmlfollower.trainer.deployment.DeployedModel;
import io.pgmlfollower.trainer.deployment.Pipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-row inference in process (issue 10's goal: ≤ 10 µs), on the model {@code bench/serving}
 * serves: XGBoost, 25 trees of depth 6 on 10 features, trained here on 100,000 synthetic rows of
 * the same shape (the label a noisy function of five features). {@code deployedModel}: what {@code
 * pgml.predict} calls per row ({@link DeployedModel#predict}: the checks, the Java evaluation of
 * the trees, the label); {@code xgboostNative}: XGBoost4J's own {@code Booster.predict} of one row
 * through a {@code DMatrix}, the baseline (what a JVM service calling XGBoost would pay, its
 * default thread pool over every core included). SampleTime gives p50/p99. Run with {@code
 * bench/inference}; figures in docs/benchmarks.md.
 */
@State(Scope.Benchmark)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class InferenceBenchmark {
  private static final int FEATURES = 10;

  @Param({"25"})
  public int trees;

  @Param({"6"})
  public int depth;

  private DeployedModel model;
  private Booster booster;
  private double[][] rows;
  private int next;

  @Setup
  public void train() throws XGBoostError, java.io.IOException {
    SplittableRandom random = new SplittableRandom(42);
    int n = 100_000;
    double[][] x = new double[n][FEATURES];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < FEATURES; j++) {
        x[i][j] = random.nextDouble();
      }
      double score =
          x[i][1] + 2 * x[i][2] - x[i][3] + x[i][4] * x[i][5] + 0.3 * random.nextDouble();
      y[i] = score > 1.6 ? 1 : 0;
    }
    ClassificationAlgorithm xgboost =
        (ClassificationAlgorithm) AlgorithmCatalog.find(Task.CLASSIFICATION, "xgboost");
    ClassificationEstimator estimator =
        xgboost.fit(
            x,
            y,
            2,
            HyperParameters.of(xgboost, Map.of("n_estimators", trees, "max_depth", depth)),
            42);
    List<Pipeline.Column> columns = new ArrayList<>();
    for (int j = 0; j < FEATURES; j++) {
      columns.add(new Pipeline.Column("f" + j, "double precision"));
    }
    Pipeline pipeline =
        new Pipeline(
            Pipeline.FORMAT_VERSION,
            "classification",
            "xgboost",
            "public.gbdt",
            new Pipeline.Column("label", "integer"),
            columns,
            Pipeline.Labels.of(LabelMapping.ofNumeric(new double[] {0, 1})),
            null,
            Pipeline.ARTIFACT_PATH);
    model = new DeployedModel("gbdt", 1, 1, Pipeline.fromJson(pipeline.toJson()), estimator);
    booster = XGBoost.loadModel((byte[]) estimator.artifact());
    rows = new double[1024][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = x[random.nextInt(n)];
    }
  }

  @TearDown
  public void close() throws XGBoostError {
    booster.dispose();
  }

  private double[] row() {
    next = (next + 1) & (rows.length - 1);
    return rows[next];
  }

  /** {@code pgml.predict}'s per-row work on a deployed model. */
  @Benchmark
  public double deployedModel() {
    return model.predict(row());
  }

  /** XGBoost4J's native prediction of one row (DMatrix built per call, as a service would). */
  @Benchmark
  public float xgboostNative() throws XGBoostError {
    double[] row = row();
    float[] data = new float[FEATURES];
    for (int j = 0; j < FEATURES; j++) {
      data[j] = (float) row[j];
    }
    DMatrix matrix = new DMatrix(data, 1, FEATURES, Float.NaN);
    try {
      return booster.predict(matrix)[0][0];
    } finally {
      matrix.dispose();
    }
  }
}
