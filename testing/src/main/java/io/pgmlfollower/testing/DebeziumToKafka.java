package io.pgmlfollower.testing;

import static java.util.Objects.requireNonNull;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A real Debezium producer for tests: Debezium Embedded with the PostgreSQL connector (pgoutput,
 * the publication the role was given, {@code publication.autocreate.mode=disabled}, snapshot mode
 * {@code initial}, truncates included) writing its JSON change events, with schemas, into a Kafka
 * broker under {@code <topicPrefix>.<schema>.<table>}, as Kafka Connect would. Each batch is
 * acknowledged to Debezium (offsets in a file) only once the broker acknowledged every record
 * ({@code acks=all}).
 */
public final class DebeziumToKafka implements AutoCloseable {
  private final KafkaProducer<String, String> producer;
  private final DebeziumEngine<ChangeEvent<String, String>> engine;
  private final ExecutorService thread = Executors.newSingleThreadExecutor();

  private DebeziumToKafka(
      KafkaProducer<String, String> producer, DebeziumEngine<ChangeEvent<String, String>> engine) {
    this.producer = requireNonNull(producer, "producer is null");
    this.engine = requireNonNull(engine, "engine is null");
  }

  /**
   * @param role a REPLICATION role with SELECT on the published tables, and its publication
   * @param slot the replication slot Debezium creates
   * @param offsets the file Debezium keeps its source offsets in
   */
  public static DebeziumToKafka start(
      SourceRole role, String slot, String topicPrefix, KafkaBroker broker, Path offsets) {
    return start(role, slot, topicPrefix, broker, offsets, true);
  }

  /**
   * As above; {@code schemas} false writes the events without their schemas (Kafka Connect's JSON
   * converter with {@code schemas.enable=false}).
   */
  public static DebeziumToKafka start(
      SourceRole role,
      String slot,
      String topicPrefix,
      KafkaBroker broker,
      Path offsets,
      boolean schemas) {
    KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", broker.bootstrapServers(), "acks", "all", "linger.ms", 5),
            new StringSerializer(),
            new StringSerializer());
    DebeziumEngine<ChangeEvent<String, String>> engine =
        DebeziumEngine.create(Json.class)
            .using(properties(role, slot, topicPrefix, offsets, schemas))
            .notifying(
                (records, committer) -> {
                  var sent = new java.util.ArrayList<java.util.concurrent.Future<?>>();
                  for (ChangeEvent<String, String> record : records) {
                    sent.add(
                        producer.send(
                            new ProducerRecord<>(
                                record.destination(), record.key(), record.value())));
                  }
                  for (var future : sent) {
                    try {
                      future.get();
                    } catch (ExecutionException e) {
                      throw new IllegalStateException("Kafka refused a record", e.getCause());
                    }
                  }
                  for (ChangeEvent<String, String> record : records) {
                    committer.markProcessed(record);
                  }
                  committer.markBatchFinished();
                })
            .build();
    DebeziumToKafka running = new DebeziumToKafka(producer, engine);
    running.thread.submit(engine);
    return running;
  }

  private static Properties properties(
      SourceRole role, String slot, String topicPrefix, Path offsets, boolean schemas) {
    Properties properties = new Properties();
    properties.setProperty("name", "pgml-follower-test-" + slot);
    properties.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    properties.setProperty(
        "offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
    properties.setProperty("offset.storage.file.filename", offsets.toString());
    properties.setProperty("offset.flush.interval.ms", "0");
    properties.setProperty("database.hostname", role.host());
    properties.setProperty("database.port", Integer.toString(role.port()));
    properties.setProperty("database.user", role.user());
    properties.setProperty("database.password", role.password());
    properties.setProperty("database.dbname", role.database());
    properties.setProperty("topic.prefix", topicPrefix);
    properties.setProperty("plugin.name", "pgoutput");
    properties.setProperty("publication.name", role.publication());
    properties.setProperty("publication.autocreate.mode", "disabled");
    properties.setProperty("slot.name", slot);
    properties.setProperty("snapshot.mode", "initial");
    properties.setProperty("skipped.operations", "none"); // truncates too
    properties.setProperty("converter.schemas.enable", Boolean.toString(schemas));
    return properties;
  }

  @Override
  public void close() {
    try {
      engine.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      thread.shutdownNow();
      try {
        thread.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      producer.close();
    }
  }
}
