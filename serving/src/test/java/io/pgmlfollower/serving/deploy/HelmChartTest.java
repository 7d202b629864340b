package io.pgmlfollower.serving.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.pgmlfollower.serving.config.ConfigLoader;
import io.pgmlfollower.serving.config.FollowerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The chart in deploy/helm, linted and rendered by Helm's own Go library (helm-java, through JNI:
 * no helm binary needed), and what it renders checked: the follower.yaml it writes is one the
 * follower accepts, the probes hit the health endpoints, the store is on a volume claim.
 */
class HelmChartTest {
  private static final Path CHART = Path.of("../deploy/helm/pgml-follower").toAbsolutePath();
  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

  private String render(Map<String, Object> values) {
    var template = new Helm(CHART).template().withName("ml");
    values.forEach(template::set);
    return template.call();
  }

  private static final Map<String, Object> REQUIRED =
      Map.of(
          "source.host", "db.example.com",
          "source.database", "app",
          "secret.sourcePassword", "s3cret",
          "secret.endpointPassword", "e-pw");

  private List<JsonNode> documents(String rendered) throws Exception {
    List<JsonNode> documents = new ArrayList<>();
    try (var parser = yaml.getFactory().createParser(rendered)) {
      var it = yaml.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode document = it.next();
        if (document != null && !document.isEmpty()) {
          documents.add(document);
        }
      }
    }
    return documents;
  }

  private static JsonNode kind(List<JsonNode> documents, String kind) {
    return documents.stream()
        .filter(d -> kind.equals(d.path("kind").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " rendered"));
  }

  @Test
  void lintsCleanInStrictMode() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void rendersAFollowerItsConfigAndItsProbes() throws Exception {
    List<JsonNode> documents = documents(render(REQUIRED));
    assertThat(documents)
        .extracting(d -> d.get("kind").asText())
        .containsExactlyInAnyOrder("ConfigMap", "Secret", "Service", "Service", "StatefulSet");

    // The follower.yaml the chart writes is one the follower takes, passwords from the Secret.
    String followerYaml = kind(documents, "ConfigMap").path("data").path("follower.yaml").asText();
    FollowerConfig config =
        new ConfigLoader(Map.of("SOURCE_PASSWORD", "s3cret", "ENDPOINT_PASSWORD", "e-pw")::get)
            .parse(followerYaml);
    assertThat(config.source().host()).isEqualTo("db.example.com");
    assertThat(config.source().password()).isEqualTo("s3cret");
    assertThat(config.serve().host()).isEqualTo("0.0.0.0");
    assertThat(config.serve().users()).containsExactly(new FollowerConfig.User("app", "e-pw"));
    assertThat(config.admin().host()).isEqualTo("0.0.0.0");
    assertThat(config.store().path()).isEqualTo(Path.of("/var/lib/pgml-follower"));

    JsonNode set = kind(documents, "StatefulSet");
    assertThat(set.at("/spec/replicas").asInt()).isEqualTo(1);
    String governing = set.at("/spec/serviceName").asText();
    assertThat(
            documents.stream()
                .filter(d -> governing.equals(d.at("/metadata/name").asText()))
                .findFirst()
                .orElseThrow()
                .at("/spec/clusterIP")
                .asText())
        .isEqualTo("None");
    assertThat(set.at("/spec/template/metadata/annotations").has("checksum/secret")).isTrue();
    JsonNode pod = set.at("/spec/template");
    assertThat(pod.at("/metadata/annotations/prometheus.io~1scrape").asText()).isEqualTo("true");
    assertThat(pod.at("/metadata/annotations/prometheus.io~1port").asText()).isEqualTo("9187");
    assertThat(pod.at("/spec/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.at("/spec/securityContext/runAsUser").asInt()).isEqualTo(1000);
    JsonNode container = pod.at("/spec/containers/0");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/ready");
    assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/health/ready");
    assertThat(container.path("args").toString())
        .isEqualTo("[\"run\",\"--config\",\"/etc/pgml-follower/follower.yaml\"]");
    assertThat(container.path("env").findValuesAsText("name"))
        .contains("SOURCE_PASSWORD", "ENDPOINT_PASSWORD");
    assertThat(container.path("volumeMounts").toString())
        .contains("/var/lib/pgml-follower")
        .contains("/etc/pgml-follower")
        .contains("\"/tmp\"")
        .contains("/dev/shm");
    // The "restricted" Pod Security Standard; ImageIT runs the image from a read-only root.
    assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(container.at("/securityContext/capabilities/drop/0").asText()).isEqualTo("ALL");
    assertThat(pod.at("/spec/securityContext/seccompProfile/type").asText())
        .isEqualTo("RuntimeDefault");
    assertThat(pod.at("/spec/volumes").toString()).contains("\"medium\":\"Memory\"");
    assertThat(set.at("/spec/volumeClaimTemplates/0/spec/resources/requests/storage").asText())
        .isEqualTo("20Gi");
  }

  @Test
  void anExistingSecretAndExtraConfigAreUsed() throws Exception {
    Map<String, Object> values = new java.util.HashMap<>(REQUIRED);
    values.remove("secret.sourcePassword");
    values.remove("secret.endpointPassword");
    values.put("existingSecret", "follower-passwords");
    values.put("admin.readyMaxLagSeconds", 30);
    values.put("extraConfig.store.online.type", "none");
    List<JsonNode> documents = documents(render(values));
    assertThat(documents).extracting(d -> d.get("kind").asText()).doesNotContain("Secret");
    assertThat(kind(documents, "StatefulSet").toString()).contains("follower-passwords");
    FollowerConfig config =
        new ConfigLoader(Map.of("SOURCE_PASSWORD", "x", "ENDPOINT_PASSWORD", "y")::get)
            .parse(kind(documents, "ConfigMap").path("data").path("follower.yaml").asText());
    assertThat(config.admin().readyMaxLagSeconds()).isEqualTo(30);
    assertThat(config.store().online().type()).isEqualTo(FollowerConfig.OnlineType.NONE);
  }

  @Test
  void aMissingSourceHostIsNamed() {
    Map<String, Object> values = new java.util.HashMap<>(REQUIRED);
    values.remove("source.host");
    assertThatThrownBy(() -> render(values)).hasMessageContaining("source.host is required");
  }
}
