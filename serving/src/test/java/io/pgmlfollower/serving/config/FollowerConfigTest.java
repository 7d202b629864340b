package io.pgmlfollower.serving.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.serving.config.FollowerConfig.AuthMethod;
import io.pgmlfollower.serving.config.FollowerConfig.OfflineType;
import io.pgmlfollower.serving.config.FollowerConfig.OnlineLoadFrom;
import io.pgmlfollower.serving.config.FollowerConfig.OnlineType;
import io.pgmlfollower.serving.config.FollowerConfig.SourceType;
import io.pgmlfollower.serving.config.FollowerConfig.SslMode;
import io.pgmlfollower.serving.config.FollowerConfig.Task;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pins the YAML keys of the contract, their defaults, and the errors users see. */
class FollowerConfigTest {
  private static final Map<String, String> ENV =
      Map.of("SOURCE_PASSWORD", "s3cret", "APP_PASSWORD", "app-pw", "PORT", "7000");
  private final ConfigLoader loader = new ConfigLoader(ENV::get);

  private static final String MINIMAL =
      """
      source:
        host: prod.example.com
        database: app
        user: follower
        publication: pgml_pub
      store:
        path: /var/lib/pgml-follower
      serve:
        users:
          - name: app
            password: ${APP_PASSWORD}
      """;

  @Test
  void defaults() {
    FollowerConfig config = loader.parse(MINIMAL);
    assertThat(config.source().type()).isEqualTo(SourceType.PGOUTPUT);
    assertThat(config.source().port()).isEqualTo(5432);
    assertThat(config.source().sslmode()).isEqualTo(SslMode.PREFER);
    assertThat(config.source().slot()).isEqualTo("pgml_follower");
    assertThat(config.source().name()).isEqualTo("source");
    assertThat(config.source().streaming()).isTrue();
    assertThat(config.source().maxStreamedTransactionBytes()).isEqualTo(256L << 20);
    assertThat(config.source().publicationRefreshSeconds()).isEqualTo(10);
    assertThat(config.source().resnapshotOnSlotLoss()).isFalse();
    assertThat(config.source().snapshotConnections()).isEqualTo(1);
    assertThat(config.source().debezium().heartbeatIntervalMs()).isEqualTo(1000);
    assertThat(config.source().debezium().properties()).isEmpty();
    assertThat(config.store().offline().type()).isEqualTo(OfflineType.EMBEDDED);
    assertThat(config.store().online().type()).isEqualTo(OnlineType.ROCKSDB);
    assertThat(config.store().online().blockCacheMb()).isEqualTo(64);
    assertThat(config.store().online().rowCacheMb()).isEqualTo(64);
    assertThat(config.store().online().loadFrom()).isEqualTo(OnlineLoadFrom.OFFLINE);
    assertThat(config.store().minFreeMb()).isEqualTo(256);
    assertThat(config.serve().host()).isEqualTo("127.0.0.1");
    assertThat(config.serve().port()).isEqualTo(6433);
    assertThat(config.serve().auth()).isEqualTo(AuthMethod.SCRAM_SHA_256);
    assertThat(config.serve().tls()).isNull();
    assertThat(config.serve().maxConnections()).isEqualTo(100);
    assertThat(config.serve().maxMessageSizeMb()).isEqualTo(64);
    assertThat(config.serve().authenticationTimeoutSeconds()).isEqualTo(60);
    assertThat(config.serve().idleSessionTimeoutSeconds()).isZero();
    assertThat(config.serve().statementTimeoutSeconds()).isZero();
    assertThat(config.admin().host()).isEqualTo("127.0.0.1");
    assertThat(config.admin().port()).isEqualTo(9187);
    assertThat(config.admin().readyMaxLagSeconds()).isZero();
    assertThat(config.projects()).isEmpty();
  }

  @Test
  void everyContractKey() {
    FollowerConfig config =
        loader.parse(
            """
            source:
              type: pgoutput
              host: prod.example.com
              port: ${PORT}
              database: app
              user: follower
              password: ${SOURCE_PASSWORD}
              sslmode: verify-full
              publication: pgml_pub
              slot: pgml_slot
              streaming: false
              max-streamed-transaction-bytes: 1048576
              publication-refresh-seconds: 3
              resnapshot-on-slot-loss: true
              snapshot-connections: 4
              kafka:
                bootstrap-servers: localhost:9092
                topic-prefix: app
                group-id: g1
                apply-threads: 8
                value-converter: org.apache.kafka.connect.json.JsonConverter
                converter-properties:
                  schemas.cache.size: "50"
              debezium:
                heartbeat-interval-ms: 250
                properties:
                  snapshot.fetch.size: "5000"
            store:
              path: /var/lib/pgml-follower
              offline:
                type: external
                url: jdbc:postgresql://features:5432/features
              online:
                type: none
                block-cache-mb: 256
                row-cache-mb: 0
                load-from: source
            serve:
              host: 0.0.0.0
              port: 6434
              auth: md5
              users:
                - name: app
                  password: ${APP_PASSWORD}
              tls:
                cert: /etc/pgml/tls.crt
                key: /etc/pgml/tls.key
              max-connections: 20
              max-message-size-mb: 8
              authentication-timeout-seconds: 15
              idle-session-timeout-seconds: 600
              statement-timeout-seconds: 300
            admin:
              host: 0.0.0.0
              port: 9188
              ready-max-lag-seconds: 30
            projects:
              - name: churn
                task: classification
                relation: public.users
                target: churned
                algorithm: xgboost
                hyperparams: {n_estimators: 50}
                schedule: "0 3 * * *"
                retrain-after-changes: 10000
            """);
    assertThat(config.source().port()).isEqualTo(7000);
    assertThat(config.source().password()).isEqualTo("s3cret");
    assertThat(config.source().sslmode()).isEqualTo(SslMode.VERIFY_FULL);
    assertThat(config.source().sslmode().jdbcValue()).isEqualTo("verify-full");
    assertThat(config.source().slot()).isEqualTo("pgml_slot");
    assertThat(config.source().streaming()).isFalse();
    assertThat(config.source().maxStreamedTransactionBytes()).isEqualTo(1_048_576L);
    assertThat(config.source().publicationRefreshSeconds()).isEqualTo(3);
    assertThat(config.source().resnapshotOnSlotLoss()).isTrue();
    assertThat(config.source().snapshotConnections()).isEqualTo(4);
    assertThat(config.source().kafka().bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(config.source().kafka().topicPrefix()).isEqualTo("app");
    assertThat(config.source().kafka().groupId()).isEqualTo("g1");
    assertThat(config.source().kafka().applyThreads()).isEqualTo(8);
    assertThat(config.source().kafka().keyConverter())
        .isEqualTo("org.apache.kafka.connect.json.JsonConverter");
    assertThat(config.source().kafka().converterProperties())
        .containsExactly(java.util.Map.entry("schemas.cache.size", "50"));
    assertThat(config.source().debezium().heartbeatIntervalMs()).isEqualTo(250);
    assertThat(config.source().debezium().properties())
        .containsExactly(java.util.Map.entry("snapshot.fetch.size", "5000"));
    assertThat(config.store().path()).isEqualTo(Path.of("/var/lib/pgml-follower"));
    assertThat(config.store().offline().type()).isEqualTo(OfflineType.EXTERNAL);
    assertThat(config.store().offline().url())
        .isEqualTo("jdbc:postgresql://features:5432/features");
    assertThat(config.store().online().type()).isEqualTo(OnlineType.NONE);
    assertThat(config.store().online().blockCacheMb()).isEqualTo(256);
    assertThat(config.store().online().rowCacheMb()).isZero();
    assertThat(config.store().online().loadFrom()).isEqualTo(OnlineLoadFrom.SOURCE);
    assertThat(config.serve().auth()).isEqualTo(AuthMethod.MD5);
    assertThat(config.serve().users()).containsExactly(new FollowerConfig.User("app", "app-pw"));
    assertThat(config.serve().tls().cert()).isEqualTo(Path.of("/etc/pgml/tls.crt"));
    assertThat(config.serve().maxConnections()).isEqualTo(20);
    assertThat(config.serve().maxMessageSizeMb()).isEqualTo(8);
    assertThat(config.serve().authenticationTimeoutSeconds()).isEqualTo(15);
    assertThat(config.serve().idleSessionTimeoutSeconds()).isEqualTo(600);
    assertThat(config.serve().statementTimeoutSeconds()).isEqualTo(300);
    assertThat(config.admin().port()).isEqualTo(9188);
    assertThat(config.admin().readyMaxLagSeconds()).isEqualTo(30);
    FollowerConfig.Project project = config.projects().getFirst();
    assertThat(project.task()).isEqualTo(Task.CLASSIFICATION);
    assertThat(project.hyperparams()).containsEntry("n_estimators", 50);
    assertThat(project.schedule()).isEqualTo("0 3 * * *");
    assertThat(project.retrainAfterChanges()).isEqualTo(10000L);
  }

  @Test
  void nonPositiveRefreshIntervalIsNamed() {
    assertThatThrownBy(
            () ->
                loader.parse(
                    MINIMAL.replace(
                        "  publication: pgml_pub\n",
                        "  publication: pgml_pub\n  publication-refresh-seconds: 0\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source.publication-refresh-seconds");
  }

  @Test
  void debeziumPropertiesTheFollowerSetsAreNamed() {
    assertThatThrownBy(
            () ->
                loader.parse(
                    MINIMAL.replace(
                        "  publication: pgml_pub\n",
                        "  publication: pgml_pub\n  debezium:\n    properties:\n      snapshot.mode: never\n")))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).key())
        .isEqualTo("source.debezium.properties.snapshot.mode");
    assertThatThrownBy(
            () ->
                loader.parse(
                    MINIMAL.replace(
                        "  publication: pgml_pub\n",
                        "  publication: pgml_pub\n  debezium:\n    heartbeat-interval-ms: 0\n")))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).key())
        .isEqualTo("source.debezium.heartbeat-interval-ms");
  }

  @Test
  void anUnknownOnlineLoadSourceIsNamed() {
    String store = "  path: /var/lib/pgml-follower\n";
    assertThatThrownBy(
            () ->
                loader.parse(MINIMAL.replace(store, store + "  online:\n    load-from: replica\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("replica")
        .extracting(e -> ((ConfigException) e).key())
        .isEqualTo("store.online.load-from");
  }

  @Test
  void onlineCacheSizesOutOfRangeAreNamed() {
    String store = "  path: /var/lib/pgml-follower\n";
    assertThatThrownBy(
            () -> loader.parse(MINIMAL.replace(store, store + "  online:\n    row-cache-mb: -1\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("must be 0 (no row cache) or more, got -1")
        .extracting(e -> ((ConfigException) e).key())
        .isEqualTo("store.online.row-cache-mb");
    assertThatThrownBy(
            () ->
                loader.parse(MINIMAL.replace(store, store + "  online:\n    block-cache-mb: 0\n")))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).key())
        .isEqualTo("store.online.block-cache-mb");
    assertThatThrownBy(() -> loader.parse(MINIMAL.replace(store, store + "  min-free-mb: -5\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("store.min-free-mb: must be 0 (no check) or more, got -5")
        .extracting(e -> ((ConfigException) e).key())
        .isEqualTo("store.min-free-mb");
  }

  @Test
  void aKafkaConverterNotOnTheClassPathIsNamed() {
    String kafka =
        """
        source:
          type: kafka
          kafka:
            bootstrap-servers: localhost:9092
            topic-prefix: app
            value-converter: io.confluent.connect.avro.AvroConverter
        store:
          path: /var/lib/pgml-follower
        serve:
          users:
            - name: app
              password: ${APP_PASSWORD}
        """;
    assertThatThrownBy(() -> loader.parse(kafka))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("lib/")
        .extracting(e -> ((ConfigException) e).key())
        .isEqualTo("source.kafka.value-converter");
  }

  @Test
  void missingRequiredKeyIsNamed() {
    assertThatThrownBy(() -> loader.parse(MINIMAL.replace("  publication: pgml_pub\n", "")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source.publication")
        .extracting(e -> ((ConfigException) e).key())
        .isEqualTo("source.publication");
    assertThatThrownBy(() -> loader.parse(MINIMAL.replace("  path: /var/lib/pgml-follower\n", "")))
        .hasMessageContaining("store.path");
  }

  @Test
  void unknownKeyIsNamedWithItsLine() {
    assertThatThrownBy(() -> loader.parse(MINIMAL + "admin:\n  ready-max-lag-seconds: -1\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.ready-max-lag-seconds: must be 0 (no bound) or more, got -1");
    assertThatThrownBy(
            () ->
                loader.parse(
                    "source:\n  type: kafka\n  kafka:\n    bootstrap-servers: k:9092\n"
                        + "    topic-prefix: app\nstore:\n  path: /tmp/x\n"
                        + "admin:\n  ready-max-lag-seconds: 5\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.ready-max-lag-seconds: only source.type pgoutput");
    assertThatThrownBy(() -> loader.parse(MINIMAL + "admin:\n  prot: 1\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.prot")
        .hasMessageContaining("line 14")
        .hasMessageContaining("port");
  }

  @Test
  void badEnumValueListsTheChoices() {
    assertThatThrownBy(
            () -> loader.parse(MINIMAL.replace("serve:\n", "serve:\n  auth: kerberos\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("serve.auth")
        .hasMessageContaining("kerberos")
        .hasMessageContaining("scram-sha-256");
  }

  @Test
  void unsetEnvironmentVariableIsNamed() {
    assertThatThrownBy(() -> loader.parse(MINIMAL.replace("${APP_PASSWORD}", "${NOPE}")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("NOPE")
        .hasMessageContaining("serve.users[0].password");
  }

  @Test
  void unsetVariableMessageIsNotWrappedTwice() {
    assertThatThrownBy(() -> loader.parse(MINIMAL.replace("${APP_PASSWORD}", "${NOPE}")))
        .hasMessage("serve.users[0].password (line 11): environment variable NOPE is not set");
  }

  @Test
  void malformedReferenceIsAnError() {
    assertThatThrownBy(() -> loader.parse(MINIMAL.replace("${APP_PASSWORD}", "${A-b}")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("serve.users[0].password")
        .hasMessageContaining("malformed");
    assertThat(loader.parse(MINIMAL.replace("${APP_PASSWORD}", "p$${x}")).serve().users())
        .containsExactly(new FollowerConfig.User("app", "p${x}"));
  }

  @Test
  void aSecretPutUnderTheWrongKeyIsNotEchoed() {
    ConfigLoader withSecret =
        new ConfigLoader(Map.of("SECRET", "hunter2", "APP_PASSWORD", "x")::get);
    assertThatThrownBy(
            () -> withSecret.parse(MINIMAL.replace("serve:\n", "serve:\n  auth: ${SECRET}\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("serve.auth")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void aBadScheduleIsNamedAtLoad() {
    String project =
        "projects:\n  - name: p\n    task: regression\n    relation: t\n    target: y\n";
    assertThatThrownBy(() -> loader.parse(MINIMAL + project + "    schedule: \"0 25 * * *\"\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("projects[0].schedule")
        .hasMessageContaining("hour");
    assertThatThrownBy(() -> loader.parse(MINIMAL + project + "    retrain-after-changes: 0\n"))
        .hasMessageContaining("projects[0].retrain-after-changes");
  }

  @Test
  void unsupervisedProjectsTakeNoTarget() {
    String clustering = "projects:\n  - name: c\n    task: clustering\n    relation: t\n";
    FollowerConfig config = loader.parse(MINIMAL + clustering);
    assertThat(config.projects().getFirst().task()).isEqualTo(FollowerConfig.Task.CLUSTERING);
    assertThat(config.projects().getFirst().target()).isNull();
    assertThat(
            loader
                .parse(MINIMAL + clustering.replace("clustering", "decomposition"))
                .projects()
                .getFirst()
                .task())
        .isEqualTo(FollowerConfig.Task.DECOMPOSITION);
    assertThatThrownBy(() -> loader.parse(MINIMAL + clustering + "    target: y\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("projects[0].target")
        .hasMessageContaining("takes no target");
    assertThatThrownBy(() -> loader.parse(MINIMAL + clustering.replace("clustering", "regression")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("projects[0].target");
  }

  @Test
  void noDefaultPassword() {
    String noUsers = MINIMAL.substring(0, MINIMAL.indexOf("serve:"));
    assertThatThrownBy(() -> loader.parse(noUsers))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("serve.users");
    assertThat(loader.parse(noUsers + "serve:\n  auth: trust\n").serve().users()).isEmpty();
  }

  @Test
  void endpointLimitsOutOfRangeNameTheirKey() {
    for (String[] bad :
        new String[][] {
          {"max-connections: 0", "serve.max-connections"},
          {"max-message-size-mb: 2048", "serve.max-message-size-mb"},
          {"authentication-timeout-seconds: -1", "serve.authentication-timeout-seconds"},
          {"idle-session-timeout-seconds: -5", "serve.idle-session-timeout-seconds"},
          {"statement-timeout-seconds: -1", "serve.statement-timeout-seconds"}
        }) {
      assertThatThrownBy(
              () -> loader.parse(MINIMAL.replace("serve:\n", "serve:\n  " + bad[0] + "\n")))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(bad[1]);
    }
  }

  @Test
  void badNumberIsNamed() {
    assertThatThrownBy(
            () -> loader.parse(MINIMAL.replace("database: app", "database: app\n  port: many")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source.port");
  }
}
