package io.pgmlfollower.trainer.algorithm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.pgmlfollower.trainer.Task;
import io.pgmlfollower.trainer.metrics.ClusteringMetrics;
import io.pgmlfollower.trainer.registry.ArtifactCodec;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * kmeans, dbscan and pca against scikit-learn 1.2.1 (Debian bookworm's python3-sklearn) on the same
 * rows. The rows and the reference values come from:
 *
 * <pre>
 * rng = np.random.RandomState(7)
 * centers = np.array([[0,0],[4,4],[0,5]])
 * x = np.vstack([c + rng.normal(scale=0.6, size=(20,2)) for c in centers]).round(2)
 * x = x[rng.permutation(len(x))]
 * KMeans(n_clusters=3, n_init=10, random_state=0).fit(x)   # inertia_, cluster_centers_
 * silhouette_score(x, km.labels_)
 * DBSCAN(eps=0.5, min_samples=5).fit(x).labels_
 * rng = np.random.RandomState(3); z = rng.normal(size=(40,2))
 * y = np.column_stack([z[:,0], 2*z[:,0] + 0.3*z[:,1], z[:,1] - z[:,0],
 *                      rng.normal(scale=0.1,size=40)]).round(3)
 * PCA().fit(y)   # explained_variance_ratio_, components_, transform(y[:1])
 * PCA(n_components=0.95).fit(y).n_components_
 * </pre>
 */
class UnsupervisedTest {
  private static final double[][] BLOBS = {
    {4.2, 4.44}, {0.16, -0.92}, {4.23, 5.35}, {4.06, 4.15}, {4.5, 3.89}, {3.88, 2.93},
    {2.97, 2.92}, {-0.52, 5.22}, {0.99, 0.09}, {4.9, 3.83}, {3.78, 2.86}, {-0.47, 0.0},
    {-0.21, 4.72}, {-0.74, 5.11}, {-0.01, 4.95}, {-0.45, 0.64}, {-0.72, 0.88}, {0.33, 0.07},
    {0.02, 0.24}, {4.9, 3.87}, {1.01, -0.28}, {0.33, 5.41}, {0.63, 5.34}, {5.15, 4.14},
    {3.82, 3.29}, {-0.03, -0.87}, {-0.17, 5.18}, {-1.24, -0.4}, {0.92, 5.4}, {0.3, -0.16},
    {0.61, 0.36}, {3.92, 3.81}, {1.03, 4.73}, {3.28, 3.37}, {0.29, 4.66}, {-0.4, 4.97},
    {-0.0, -1.05}, {4.16, 3.69}, {0.23, 4.13}, {1.06, -0.2}, {-0.24, -1.37}, {0.63, -0.25},
    {1.36, 5.52}, {-0.15, -0.87}, {3.94, 5.02}, {0.86, 5.09}, {3.94, 4.72}, {-0.39, 6.05},
    {3.14, 4.3}, {0.01, 4.74}, {4.07, 4.86}, {0.39, 5.54}, {3.77, 3.47}, {-0.12, 4.65},
    {-0.23, 1.22}, {0.25, 4.45}, {-0.99, 0.32}, {4.34, 3.55}, {-0.38, -0.1}, {-0.18, 5.78}
  };
  private static final int[] SKLEARN_DBSCAN = {
    -1, 4, -1, 0, 0, -1, -1, 2, 1, 0, -1, -1, 2, 2, 2, -1, -1, 1, 1, 0, 1, 3, 3, -1, -1, 4, 2, -1,
    3, 1, 1, 0, -1, -1, 2, 2, 4, 0, 2, 1, 4, 1, -1, 4, -1, 3, -1, -1, -1, 2, -1, 3, 0, 2, -1, 2, -1,
    0, -1, -1
  };
  private static final double[][] CORRELATED = {
    {1.789, 3.708, -1.352, -0.137},
    {0.096, -0.366, -1.96, 0.024},
    {-0.277, -0.661, -0.077, 0.061},
    {-0.083, -0.354, -0.544, -0.084},
    {-0.044, -0.231, -0.433, 0.015},
    {-1.314, -2.362, 2.198, 0.117},
    {0.881, 2.276, 0.828, -0.002},
    {0.05, -0.021, -0.455, -0.089},
    {-0.545, -1.555, -1.001, -0.292},
    {0.982, 1.634, -2.083, -0.097},
    {-1.185, -2.432, 0.979, -0.059},
    {1.486, 3.043, -1.249, -0.052},
    {-1.024, -2.261, 0.311, -0.096},
    {0.625, 1.202, -0.786, 0.038},
    {-0.769, -1.607, 0.539, -0.057},
    {0.745, 2.083, 1.231, -0.011},
    {-1.244, -2.676, 0.618, 0.068},
    {-0.804, -2.333, -1.615, -0.086},
    {-0.924, -2.155, -0.1, -0.03},
    {1.124, 2.208, -1.256, 0.216},
    {-1.623, -3.053, 2.27, 0.087},
    {-0.356, -1.235, -1.387, -0.129},
    {-0.597, -1.37, 0.008, -0.008},
    {-0.874, -1.739, 0.904, 0.056},
    {-2.248, -4.577, 1.98, 0.123},
    {1.013, 2.282, -0.16, 0.015},
    {1.108, 2.552, 0.011, -0.053},
    {1.488, 2.64, -2.606, -0.073},
    {0.846, 1.133, -2.707, 0.065},
    {-0.603, -1.78, -1.312, 0.031},
    {1.048, 2.496, 0.286, -0.052},
    {-0.197, 0.138, 1.972, -0.019},
    {-0.675, -1.304, 0.825, -0.042},
    {0.153, -0.013, -1.217, 0.072},
    {0.438, 1.458, 1.501, -0.069},
    {-1.025, -1.78, 1.924, 0.049},
    {-0.155, 0.222, 1.924, 0.085},
    {0.484, 1.17, 0.192, 0.049},
    {0.643, 1.361, -0.394, -0.083},
    {-1.396, -2.374, 2.787, 0.134}
  };

  private static ClusteringAlgorithm clustering(String name) {
    return (ClusteringAlgorithm) AlgorithmCatalog.find(Task.CLUSTERING, name);
  }

  private static int[] labels(ClusteringEstimator estimator, double[][] rows) {
    return Arrays.stream(rows).mapToInt(estimator::predict).toArray();
  }

  @Test
  void kmeansFindsScikitLearnsCentersAndSilhouette() {
    ClusteringAlgorithm kmeans = clustering("kmeans");
    ClusteringEstimator fitted =
        kmeans.fit(BLOBS, HyperParameters.of(kmeans, Map.of("n_clusters", 3)), 42);
    double[][] centers = ((double[][]) fitted.artifact()).clone();
    Arrays.sort(centers, Comparator.<double[]>comparingDouble(c -> c[0]).thenComparing(c -> c[1]));
    assertThat(centers[0]).containsExactly(new double[] {0.0105, -0.1325}, within(1e-9));
    assertThat(centers[1]).containsExactly(new double[] {0.178, 5.082}, within(1e-9));
    assertThat(centers[2]).containsExactly(new double[] {4.0475, 3.923}, within(1e-9));
    double inertia = 0;
    for (double[] row : BLOBS) {
      inertia +=
          KMeansClustering.squaredDistance(row, centers[KMeansClustering.nearest(centers, row)]);
    }
    assertThat(inertia).isCloseTo(41.750505000000004, within(1e-9));
    assertThat(ClusteringMetrics.silhouette(BLOBS, labels(fitted, BLOBS)))
        .isCloseTo(0.7515197721288348, within(1e-12));
  }

  @Test
  void kmeansRefusesMoreClustersThanRows() {
    ClusteringAlgorithm kmeans = clustering("kmeans");
    double[][] five = Arrays.copyOf(BLOBS, 5);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> kmeans.fit(five, HyperParameters.of(kmeans, Map.of()), 1))
        .isInstanceOf(io.pgmlfollower.trainer.TrainerException.class)
        .hasMessageContaining("n_clusters (8)");
  }

  @Test
  void dbscanLabelsEveryRowAsScikitLearn() {
    ClusteringAlgorithm dbscan = clustering("dbscan");
    ClusteringEstimator fitted = dbscan.fit(BLOBS, HyperParameters.of(dbscan, Map.of()), 1);
    // New rows are labelled by the nearest core row: on the training rows, the training labels.
    assertThat(labels(fitted, BLOBS)).containsExactly(SKLEARN_DBSCAN);
    assertThat(fitted.predict(new double[] {10, 10})).isEqualTo(ClusteringEstimator.NOISE);
  }

  @Test
  void pcaExplainsTheVarianceScikitLearnDoes() {
    DecompositionAlgorithm pca =
        (DecompositionAlgorithm) AlgorithmCatalog.find(Task.DECOMPOSITION, "pca");
    DecompositionEstimator all = pca.fit(CORRELATED, HyperParameters.of(pca, Map.of()), 1);
    assertThat(all.numComponents()).isEqualTo(4);
    double[][] components = (double[][]) ((Object[]) all.artifact())[1];
    double[][] sklearn = {
      {-0.410783143, -0.834927739, 0.366141698, 0.00965079},
      {-0.045841668, -0.382301885, -0.922686423, -0.019838706},
      {-0.002900443, -0.00054095, 0.021864031, -0.9997566}
    };
    double[] transformed = all.transform(CORRELATED[0]);
    double[] sklearnTransformed = {-4.501390689370746, -0.30264145349355887, 0.09170943111256566};
    for (int c = 0; c < sklearn.length; c++) {
      // scikit-learn 1.2 orients components by the data's projections, we by the largest loading
      // (as scikit-learn ≥ 1.5): the same axis, maybe flipped.
      double sign = Math.signum(components[c][0]) == Math.signum(sklearn[c][0]) ? 1 : -1;
      for (int j = 0; j < 4; j++) {
        assertThat(sign * components[c][j])
            .as("component %d", c)
            .isCloseTo(sklearn[c][j], within(1e-8));
      }
      assertThat(sign * transformed[c]).isCloseTo(sklearnTransformed[c], within(1e-8));
      int largest = 0;
      for (int j = 0; j < 4; j++) {
        largest = Math.abs(components[c][j]) > Math.abs(components[c][largest]) ? j : largest;
      }
      assertThat(components[c][largest]).isPositive();
    }
    assertThat(all.explainedVariance(CORRELATED)).isCloseTo(1.0, within(1e-12));

    DecompositionEstimator two =
        pca.fit(CORRELATED, HyperParameters.of(pca, Map.of("n_components", 2)), 1);
    assertThat(two.explainedVariance(CORRELATED))
        .isCloseTo(0.7930801614658485 + 0.20588076590880186, within(1e-12));
    assertThat(
            pca.fit(CORRELATED, HyperParameters.of(pca, Map.of("n_components", 0.95)), 1)
                .numComponents())
        .isEqualTo(2);
  }

  @Test
  void modelsRoundTripThroughTheRegistryCodec() {
    for (String name : AlgorithmCatalog.names(Task.CLUSTERING)) {
      ClusteringAlgorithm algorithm = clustering(name);
      ClusteringEstimator fitted = algorithm.fit(BLOBS, HyperParameters.of(algorithm, Map.of()), 3);
      ClusteringEstimator restored =
          algorithm.restore(ArtifactCodec.deserialize(ArtifactCodec.serialize(fitted.artifact())));
      assertThat(labels(restored, BLOBS)).as(name).containsExactly(labels(fitted, BLOBS));
      assertThat(labels(algorithm.fit(BLOBS, HyperParameters.of(algorithm, Map.of()), 3), BLOBS))
          .as("%s is deterministic", name)
          .containsExactly(labels(fitted, BLOBS));
    }
    DecompositionAlgorithm pca =
        (DecompositionAlgorithm) AlgorithmCatalog.find(Task.DECOMPOSITION, "pca");
    DecompositionEstimator fitted = pca.fit(CORRELATED, HyperParameters.of(pca, Map.of()), 1);
    DecompositionEstimator restored =
        pca.restore(ArtifactCodec.deserialize(ArtifactCodec.serialize(fitted.artifact())));
    assertThat(restored.transform(CORRELATED[5])).containsExactly(fitted.transform(CORRELATED[5]));
  }
}
