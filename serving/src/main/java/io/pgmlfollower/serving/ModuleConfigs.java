package io.pgmlfollower.serving;

import io.pgmlfollower.replicator.PgOutputSourceConfig;
import io.pgmlfollower.replicator.debezium.DebeziumSourceConfig;
import io.pgmlfollower.replicator.kafka.KafkaSourceConfig;
import io.pgmlfollower.serving.config.FollowerConfig;

/** Maps the YAML configuration onto each module's own configuration object. */
public final class ModuleConfigs {
  private ModuleConfigs() {}

  public static PgOutputSourceConfig pgOutputSource(FollowerConfig.Source source) {
    PgOutputSourceConfig config =
        new PgOutputSourceConfig()
            .setSourceName(source.name())
            .setHost(source.host())
            .setPort(source.port())
            .setDatabase(source.database())
            .setUser(source.user())
            .setSslMode(source.sslmode().jdbcValue())
            .setPublication(source.publication())
            .setSlot(source.slot())
            .setStreamingEnabled(source.streaming())
            .setMaxStreamedTransactionBytes(source.maxStreamedTransactionBytes())
            .setPublicationRefreshInterval(
                java.time.Duration.ofSeconds(source.publicationRefreshSeconds()))
            .setResnapshotOnSlotLoss(source.resnapshotOnSlotLoss())
            .setSnapshotConnections(source.snapshotConnections());
    if (source.password() != null) {
      config.setPassword(source.password());
    }
    return config.validate();
  }

  /**
   * {@code source.type: debezium}: the pgoutput source's connection keys, and the engine's hand-off
   * directory under {@code store.path}.
   */
  public static DebeziumSourceConfig debeziumSource(
      FollowerConfig.Source source, java.nio.file.Path storePath) {
    return new DebeziumSourceConfig(pgOutputSource(source))
        .setWorkDirectory(storePath.resolve("debezium"))
        .setHeartbeatInterval(java.time.Duration.ofMillis(source.debezium().heartbeatIntervalMs()))
        .setProperties(source.debezium().properties());
  }

  /** {@code source.type: kafka}: Debezium's topics {@code <topic-prefix>.<schema>.<table>}. */
  public static KafkaSourceConfig kafkaSource(
      FollowerConfig.Source source, java.nio.file.Path storePath) {
    return new KafkaSourceConfig()
        .setLoadDirectory(storePath.resolve("kafka-load").resolve(source.name()))
        .setSourceName(source.name())
        .setBootstrapServers(source.kafka().bootstrapServers())
        .setTopicPrefix(source.kafka().topicPrefix())
        .setGroupId(source.kafka().groupId())
        .setApplyThreads(source.kafka().applyThreads())
        .setKeyConverter(source.kafka().keyConverter())
        .setValueConverter(source.kafka().valueConverter())
        .setConverterProperties(source.kafka().converterProperties());
  }
}
