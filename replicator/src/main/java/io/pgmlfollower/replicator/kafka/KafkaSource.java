package io.pgmlfollower.replicator.kafka;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.StopSignal;
import io.pgmlfollower.replicator.debezium.ChangeEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies Debezium change-event topics to a {@link ChangeSink}: {@code source.type: kafka}.
 *
 * <p>Exactly once by the stores' offsets, not Kafka's: each poll's records of one partition are
 * applied as one store transaction together with that partition's next offset ({@link SourceOffset}
 * partition {@code <topic>/<partition>}); when partitions are assigned (at start and after every
 * rebalance) the consumer seeks to what the stores hold. Kafka's committed group offsets are
 * written after the stores' commit, for monitoring only (consumer lag in the usual tools). Records
 * are applied in partition order; Debezium keys a table's topic by primary key, so a row's changes
 * stay in one partition.
 */
public final class KafkaSource implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaSource.class);

  private final KafkaSourceConfig config;
  private final ChangeSink sink;
  private final StopSignal stop = new StopSignal();
  private final Map<TableId, TableSpec> tables = new HashMap<>();
  private final JsonConverter keys = new JsonConverter();
  private final JsonConverter values = new JsonConverter();
  private final AtomicLong appliedRecords = new AtomicLong();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private Thread thread;

  public KafkaSource(KafkaSourceConfig config, ChangeSink sink) {
    this.config = requireNonNull(config, "config is null");
    this.sink = requireNonNull(sink, "sink is null");
    config.validate();
    keys.configure(Map.of("schemas.enable", "true"), true);
    values.configure(Map.of("schemas.enable", "true"), false);
  }

  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    thread = Thread.ofPlatform().name("kafka-source").start(this::run);
  }

  /** Records applied since start (tombstones included). */
  public long appliedRecords() {
    return appliedRecords.get();
  }

  /** Why the source stopped on its own, if it did. */
  public Throwable failure() {
    return failure.get();
  }

  private void run() {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      consumer.subscribe(config.topics(), new SeekToStored(consumer));
      while (!stop.isStopped()) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(config.pollTimeout());
        if (records.isEmpty()) {
          continue;
        }
        Map<TopicPartition, OffsetAndMetadata> applied = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
          List<ConsumerRecord<byte[], byte[]>> batch = records.records(partition);
          apply(partition, batch);
          applied.put(partition, new OffsetAndMetadata(batch.getLast().offset() + 1));
        }
        consumer.commitAsync(applied, null);
      }
    } catch (ReplicatorException | StoreException | RuntimeException e) {
      failure.set(e);
      log.error("Kafka source {} stopped: {}", config.sourceName(), e.getMessage(), e);
    }
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Map<String, Object> properties = new HashMap<>();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    properties.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
    // New topics (tables Debezium starts capturing) are found within seconds.
    properties.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 5_000);
    return new KafkaConsumer<>(
        properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** One partition's records of one poll, as one store transaction with its next offset. */
  private void apply(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records)
      throws ReplicatorException, StoreException {
    List<ChangeBatch.Change> changes = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      SchemaAndValue key =
          keys.toConnectData(record.topic(), record.value() == null ? null : record.key());
      SchemaAndValue value = values.toConnectData(record.topic(), record.value());
      ChangeEvents.Decoded decoded =
          ChangeEvents.decode(key.schema(), value.schema(), value.value());
      if (decoded == null) {
        continue;
      }
      if (decoded.spec() != null && !decoded.spec().equals(tables.get(decoded.spec().id()))) {
        // A table seen for the first time, or reshaped on the source: the changes before it in
        // this batch are of the old shape, so they go first.
        flush(partition, changes, null);
        sink.ensureTables(List.of(decoded.spec()));
        tables.put(decoded.spec().id(), decoded.spec());
      }
      changes.add(decoded.change());
    }
    flush(partition, changes, records.getLast().offset() + 1);
    appliedRecords.addAndGet(records.size());
  }

  /** Applies the changes (with the partition's next offset, when given) and empties the list. */
  private void flush(TopicPartition partition, List<ChangeBatch.Change> changes, Long nextOffset)
      throws StoreException {
    if (changes.isEmpty() && nextOffset == null) {
      return;
    }
    List<SourceOffset> offsets =
        nextOffset == null
            ? List.of()
            : List.of(new SourceOffset(config.sourceName(), partitionKey(partition), nextOffset));
    sink.apply(new ChangeBatch(changes, offsets));
    changes.clear();
  }

  static String partitionKey(TopicPartition partition) {
    return partition.topic() + "/" + partition.partition();
  }

  /** Seeks newly assigned partitions to the offsets the stores hold (or their beginning). */
  private final class SeekToStored implements ConsumerRebalanceListener {
    private final KafkaConsumer<byte[], byte[]> consumer;

    SeekToStored(KafkaConsumer<byte[], byte[]> consumer) {
      this.consumer = consumer;
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      Map<String, Long> stored;
      try {
        stored = sink.offsets(config.sourceName());
      } catch (StoreException e) {
        throw new IllegalStateException(
            "cannot read the stored Kafka offsets: " + e.getMessage(), e);
      }
      List<TopicPartition> fromStart = new ArrayList<>();
      for (TopicPartition partition : partitions) {
        Long offset = stored.get(partitionKey(partition));
        if (offset == null) {
          fromStart.add(partition);
        } else {
          consumer.seek(partition, offset);
        }
      }
      if (!fromStart.isEmpty()) {
        consumer.seekToBeginning(fromStart);
      }
      log.info("Kafka source {}: assigned {}", config.sourceName(), partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // Nothing in flight: each poll's records are applied before the next poll.
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop.stop();
    Thread running;
    synchronized (this) {
      running = thread;
    }
    if (running != null) {
      running.join(Duration.ofSeconds(30));
    }
  }
}
