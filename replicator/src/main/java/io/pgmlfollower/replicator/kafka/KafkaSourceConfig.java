package io.pgmlfollower.replicator.kafka;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where a {@link KafkaSource} reads Debezium's change events: the YAML keys {@code
 * source.kafka.bootstrap-servers}, {@code source.kafka.topic-prefix} and {@code
 * source.kafka.group-id}. The topics are Debezium's default names, {@code
 * <topic-prefix>.<schema>.<table>}, every one that exists or appears.
 */
public final class KafkaSourceConfig {
  private String sourceName = "source";
  private String bootstrapServers;
  private String topicPrefix;
  private String groupId = "pgml-follower";
  private String instanceId;
  private int maxPollRecords = 10_000;
  private Duration pollTimeout = Duration.ofMillis(100);
  private int applyThreads = 4;
  private String keyConverter = JSON_CONVERTER;
  private String valueConverter = JSON_CONVERTER;
  private Map<String, String> converterProperties = Map.of();
  private java.nio.file.Path loadDirectory;

  /** Kafka Connect's JSON converter, the default (with schemas). */
  public static final String JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";

  public String sourceName() {
    return sourceName;
  }

  public KafkaSourceConfig setSourceName(String sourceName) {
    this.sourceName = requireNonBlank(sourceName, "sourceName");
    return this;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public KafkaSourceConfig setBootstrapServers(String bootstrapServers) {
    this.bootstrapServers = requireNonBlank(bootstrapServers, "bootstrapServers");
    return this;
  }

  public String topicPrefix() {
    return topicPrefix;
  }

  public KafkaSourceConfig setTopicPrefix(String topicPrefix) {
    this.topicPrefix = requireNonBlank(topicPrefix, "topicPrefix");
    return this;
  }

  public String groupId() {
    return groupId;
  }

  public KafkaSourceConfig setGroupId(String groupId) {
    this.groupId = requireNonBlank(groupId, "groupId");
    return this;
  }

  /**
   * The consumer's {@code group.instance.id} (static membership): unique per follower in the group,
   * the same across its restarts. Defaults to {@code <host name>-<source name>}, stable for a
   * Kubernetes StatefulSet pod or a host.
   */
  public String instanceId() {
    if (instanceId != null) {
      return instanceId;
    }
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "follower";
    }
    return host + "-" + sourceName;
  }

  public KafkaSourceConfig setInstanceId(String instanceId) {
    this.instanceId = requireNonBlank(instanceId, "instanceId");
    return this;
  }

  public int maxPollRecords() {
    return maxPollRecords;
  }

  /** Records per poll at most: the most one store transaction takes from one partition. */
  public KafkaSourceConfig setMaxPollRecords(int maxPollRecords) {
    if (maxPollRecords < 1) {
      throw new IllegalArgumentException("maxPollRecords must be at least 1");
    }
    this.maxPollRecords = maxPollRecords;
    return this;
  }

  public int applyThreads() {
    return applyThreads;
  }

  /**
   * Partitions of one poll applied at once, each in its own store transaction (YAML {@code
   * source.kafka.apply-threads}).
   */
  public KafkaSourceConfig setApplyThreads(int applyThreads) {
    if (applyThreads < 1 || applyThreads > 64) {
      throw new IllegalArgumentException("applyThreads must be 1..64");
    }
    this.applyThreads = applyThreads;
    return this;
  }

  public String keyConverter() {
    return keyConverter;
  }

  /** The Kafka Connect converter class of the records' keys (YAML {@code key-converter}). */
  public KafkaSourceConfig setKeyConverter(String keyConverter) {
    this.keyConverter = requireNonBlank(keyConverter, "keyConverter");
    return this;
  }

  public String valueConverter() {
    return valueConverter;
  }

  /** The Kafka Connect converter class of the records' values (YAML {@code value-converter}). */
  public KafkaSourceConfig setValueConverter(String valueConverter) {
    this.valueConverter = requireNonBlank(valueConverter, "valueConverter");
    return this;
  }

  public Map<String, String> converterProperties() {
    return converterProperties;
  }

  /**
   * Settings given to both converters, e.g. {@code schema.registry.url} (YAML {@code
   * converter-properties}).
   */
  public KafkaSourceConfig setConverterProperties(Map<String, String> converterProperties) {
    this.converterProperties =
        Map.copyOf(requireNonNull(converterProperties, "properties is null"));
    return this;
  }

  /** Where the first load spills snapshot rows (null: applied record by record). */
  public java.nio.file.Path loadDirectory() {
    return loadDirectory;
  }

  /**
   * Enables the first load at COPY speed ({@code InitialLoad}), spilling the snapshot's rows as
   * COPY text under this directory until they go into the stores (the follower uses {@code
   * <store.path>/kafka-load/<source.name>}).
   */
  public KafkaSourceConfig setLoadDirectory(java.nio.file.Path loadDirectory) {
    this.loadDirectory = requireNonNull(loadDirectory, "loadDirectory is null");
    return this;
  }

  public Duration pollTimeout() {
    return pollTimeout;
  }

  public KafkaSourceConfig setPollTimeout(Duration pollTimeout) {
    this.pollTimeout = requireNonNull(pollTimeout, "pollTimeout is null");
    return this;
  }

  /** The topics of the prefix's tables: {@code <prefix>.<schema>.<table>}. */
  public Pattern topics() {
    return Pattern.compile(
        Pattern.quote(requireNonNull(topicPrefix, "topicPrefix is not set")) + "\\.[^.]+\\.[^.]+");
  }

  void validate() {
    requireNonNull(bootstrapServers, "source.kafka.bootstrap-servers is not set");
    requireNonNull(topicPrefix, "source.kafka.topic-prefix is not set");
  }

  private static String requireNonBlank(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    return value;
  }
}
