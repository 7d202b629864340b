package io.pgmlfollower.replicator.kafka;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicationSource;
import io.pgmlfollower.replicator.ReplicationState;
import io.pgmlfollower.replicator.ReplicationStateMachine;
import io.pgmlfollower.replicator.ReplicationStatus;
import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.StopSignal;
import io.pgmlfollower.replicator.connection.Lsn;
import io.pgmlfollower.replicator.debezium.ChangeEvents;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
import org.apache.kafka.connect.storage.Converter;
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
public final class KafkaSource implements ReplicationSource {
  private static final Logger log = LoggerFactory.getLogger(KafkaSource.class);

  private final KafkaSourceConfig config;
  private final ChangeSink sink;
  private final StopSignal stop = new StopSignal();
  private final Map<TableId, TableSpec> tables = new HashMap<>();
  private final Converter keys;
  private final Converter values;
  private final AtomicLong appliedRecords = new AtomicLong();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
  private final ReplicationStateMachine state;
  private volatile Instant lastApplied;

  /** The end offsets of the partitions first assigned: the initial load is in once reached. */
  private Map<TopicPartition, Long> initialEnds;

  private Thread thread;

  /** Applies partitions side by side ({@link #applyAll}). */
  private final ExecutorService appliers;

  public KafkaSource(KafkaSourceConfig config, ChangeSink sink) {
    this.config = requireNonNull(config, "config is null");
    this.state = new ReplicationStateMachine(config.sourceName(), ReplicationState.STARTING);
    this.sink = requireNonNull(sink, "sink is null");
    config.validate();
    appliers =
        Executors.newFixedThreadPool(
            config.applyThreads(),
            runnable -> Thread.ofPlatform().name("kafka-apply").daemon().unstarted(runnable));
    keys = converter(config.keyConverter(), config.converterProperties(), true);
    values = converter(config.valueConverter(), config.converterProperties(), false);
  }

  /**
   * A Kafka Connect converter by class name, configured as Kafka Connect configures one: the
   * extension point for other event encodings (Avro through a schema registry: Confluent's {@code
   * io.confluent.connect.avro.AvroConverter} with {@code schema.registry.url}, its jars put on the
   * follower's class path). JSON gets {@code schemas.enable=true} unless told otherwise.
   */
  static Converter converter(String className, Map<String, String> properties, boolean isKey) {
    Converter converter;
    try {
      converter =
          Class.forName(className)
              .asSubclass(Converter.class)
              .getDeclaredConstructor()
              .newInstance();
    } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
      throw new IllegalArgumentException(
          "cannot load the Kafka Connect converter " + className + ": " + e, e);
    }
    Map<String, String> settings = new HashMap<>();
    if (converter instanceof JsonConverter) {
      settings.put("schemas.enable", "true");
    }
    settings.putAll(properties);
    converter.configure(settings, isKey);
    return converter;
  }

  @Override
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

  @Override
  public void addStateListener(Runnable listener) {
    state.addListener(listener);
  }

  /**
   * The source's view for {@code pgml.replication_status()}. Kafka has offsets, not LSNs: the LSN
   * and lag fields are empty, {@code slot} names the topics ({@code kafka:<prefix>.*}) and {@code
   * appliedChanges} counts the records applied.
   */
  @Override
  public ReplicationStatus status() {
    Throwable error = failure.get();
    return new ReplicationStatus(
        config.sourceName(),
        state.get(),
        "kafka:" + config.topicPrefix() + ".*",
        "",
        0,
        "",
        0,
        0,
        Optional.ofNullable(lastApplied),
        0,
        Optional.ofNullable(error).map(Throwable::getMessage),
        appliedRecords.get(),
        List.of());
  }

  /**
   * Completes once the records that were in the topics when the source first got its partitions are
   * in the stores (Debezium's snapshot, and whatever followed it by then).
   */
  @Override
  public CompletableFuture<Void> snapshotDone() {
    return caughtUp.copy();
  }

  /** Kafka has no LSNs: read-your-writes by LSN needs {@code source.type: pgoutput}. */
  @Override
  public boolean awaitApplied(Lsn lsn, Duration timeout) throws ReplicatorException {
    throw new ReplicatorException(
        ReplicatorErrorCode.UNSUPPORTED,
        "source "
            + config.sourceName()
            + " reads Kafka, whose positions are offsets, not source LSNs: waiting for an LSN"
            + " needs source.type pgoutput");
  }

  private void run() {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      consumer.subscribe(config.topics(), new SeekToStored(consumer));
      if (config.loadDirectory() != null && sink.offsets(config.sourceName()).isEmpty()) {
        load = new InitialLoad(config.loadDirectory(), sink, config.sourceName());
      }
      while (!stop.isStopped()) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(config.pollTimeout());
        if (load != null) {
          loadStep(consumer, records);
          continue;
        }
        if (records.isEmpty()) {
          // The positions are past what was polled: checked only when all of that is applied.
          checkCaughtUp(consumer);
          continue;
        }
        Map<TopicPartition, OffsetAndMetadata> applied = new HashMap<>();
        applyAll(records);
        for (TopicPartition partition : records.partitions()) {
          applied.put(
              partition, new OffsetAndMetadata(records.records(partition).getLast().offset() + 1));
        }
        consumer.commitAsync(applied, null);
        lastApplied = Instant.now();
        checkCaughtUp(consumer);
      }
      state.set(ReplicationState.STOPPED);
      caughtUp.completeExceptionally(
          new ReplicatorException(
              ReplicatorErrorCode.SOURCE_STOPPED, "source " + config.sourceName() + " stopped"));
    } catch (ReplicatorException | StoreException | RuntimeException e) {
      failure.set(e);
      state.set(ReplicationState.FAILED);
      caughtUp.completeExceptionally(e);
      log.error("Kafka source {} stopped: {}", config.sourceName(), e.getMessage(), e);
    } finally {
      // After the last poll: a pool shut down under it would refuse that poll's partitions.
      appliers.shutdown();
      if (load != null) {
        load.close();
      }
    }
  }

  /** The first load in progress ({@link InitialLoad}); null once done, or when not used. */
  private InitialLoad load;

  /** Set by a rebalance during the first load: it is given up for record-by-record applying. */
  private volatile boolean loadInterrupted;

  /**
   * One poll of the first load: each partition's records go to the load while they continue its
   * leading run of snapshot reads; a partition whose run ended is paused where it ended. Once every
   * assigned partition's run ended, the load commits and streaming starts.
   */
  private void loadStep(
      KafkaConsumer<byte[], byte[]> consumer, ConsumerRecords<byte[], byte[]> records)
      throws ReplicatorException, StoreException {
    if (loadInterrupted) {
      abandonLoad(consumer, "partitions were reassigned");
      return;
    }
    try {
      for (TopicPartition partition : records.partitions()) {
        if (load.hasEnded(partition)) {
          continue;
        }
        List<ConsumerRecord<byte[], byte[]>> batch = records.records(partition);
        int taken = load.take(readAll(batch));
        appliedRecords.addAndGet(taken);
        if (taken < batch.size()) {
          long at = batch.get(taken).offset();
          consumer.pause(List.of(partition));
          consumer.seek(partition, at);
          load.end(partition, at);
        }
      }
      if (consumer.assignment().isEmpty()) {
        return;
      }
      if (initialEnds == null) {
        initialEnds = consumer.endOffsets(consumer.assignment());
      }
      for (TopicPartition partition : consumer.assignment()) {
        if (!load.hasEnded(partition)
            && consumer.position(partition) >= initialEnds.getOrDefault(partition, 0L)) {
          consumer.pause(List.of(partition));
          load.end(partition, consumer.position(partition));
        }
      }
      if (!load.ended().keySet().containsAll(consumer.assignment())) {
        return;
      }
      long started = System.nanoTime();
      load.commit(KafkaSource::partitionKey);
      log.info(
          "Kafka source {}: first load of {} rows committed ({} ms to load them into the stores);"
              + " streaming from {}",
          config.sourceName(),
          load.rows(),
          (System.nanoTime() - started) / 1_000_000,
          load.ended());
      load.close();
      load = null;
      consumer.resume(consumer.assignment());
    } catch (StoreException | java.io.IOException e) {
      abandonLoad(consumer, e.getMessage());
    }
  }

  /** Gives the first load up: the topics are applied record by record from their beginning. */
  private void abandonLoad(KafkaConsumer<byte[], byte[]> consumer, String why) {
    log.warn(
        "Kafka source {}: first load at COPY speed given up ({}); applying the topics record by"
            + " record from their beginning",
        config.sourceName(),
        why);
    load.close();
    load = null;
    appliedRecords.set(0);
    consumer.resume(consumer.assignment());
    consumer.seekToBeginning(consumer.assignment());
  }

  /** Records decoded per chunk on the appliers (decoding JSON with schemas is the load's cost). */
  private static final int DECODE_CHUNK = 1_000;

  /**
   * Decodes a partition's records, in chunks side by side on the applier threads (records decode
   * independently; the converters are thread-safe), in their order.
   */
  private List<InitialLoad.Read> readAll(List<ConsumerRecord<byte[], byte[]>> batch)
      throws ReplicatorException, StoreException {
    if (batch.size() <= DECODE_CHUNK || config.applyThreads() == 1) {
      List<InitialLoad.Read> reads = new ArrayList<>(batch.size());
      for (ConsumerRecord<byte[], byte[]> record : batch) {
        reads.add(read(record));
      }
      return reads;
    }
    List<Future<List<InitialLoad.Read>>> chunks = new ArrayList<>();
    for (int from = 0; from < batch.size(); from += DECODE_CHUNK) {
      List<ConsumerRecord<byte[], byte[]>> chunk =
          batch.subList(from, Math.min(batch.size(), from + DECODE_CHUNK));
      chunks.add(
          appliers.submit(
              () -> {
                List<InitialLoad.Read> reads = new ArrayList<>(chunk.size());
                for (ConsumerRecord<byte[], byte[]> record : chunk) {
                  reads.add(read(record));
                }
                return reads;
              }));
    }
    List<InitialLoad.Read> reads = new ArrayList<>(batch.size());
    for (Future<List<InitialLoad.Read>> chunk : chunks) {
      try {
        reads.addAll(chunk.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException(StoreErrorCode.INTERNAL, "interrupted while decoding", e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof ReplicatorException decoding) {
          throw decoding;
        }
        throw new IllegalStateException("decoding failed: " + e.getCause(), e.getCause());
      }
    }
    return reads;
  }

  private InitialLoad.Read read(ConsumerRecord<byte[], byte[]> record) throws ReplicatorException {
    SchemaAndValue key =
        keys.toConnectData(record.topic(), record.value() == null ? null : record.key());
    SchemaAndValue value = values.toConnectData(record.topic(), record.value());
    String op =
        switch (value.value()) {
          case org.apache.kafka.connect.data.Struct envelope
              when envelope.schema().field("op") != null ->
              envelope.getString("op");
          case Map<?, ?> envelope when envelope.get("op") instanceof String schemaless ->
              schemaless;
          case null, default -> null;
        };
    return new InitialLoad.Read(
        record.offset(),
        op,
        ChangeEvents.decode(key.schema(), key.value(), value.schema(), value.value()));
  }

  /** Streaming once the partitions first assigned reached the offsets they ended at then. */
  private void checkCaughtUp(KafkaConsumer<byte[], byte[]> consumer) {
    if (caughtUp.isDone() || consumer.assignment().isEmpty()) {
      return;
    }
    if (initialEnds == null) {
      initialEnds = consumer.endOffsets(consumer.assignment());
    }
    for (Map.Entry<TopicPartition, Long> end : initialEnds.entrySet()) {
      if (consumer.assignment().contains(end.getKey())
          && consumer.position(end.getKey()) < end.getValue()) {
        return;
      }
    }
    state.set(ReplicationState.STREAMING);
    caughtUp.complete(null);
    log.info("Kafka source {}: caught up with {}", config.sourceName(), initialEnds.keySet());
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Map<String, Object> properties = new HashMap<>();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    properties.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    // Static membership: a follower restarted (after a crash too) takes its partitions back at
    // once, instead of waiting out the dead member's session timeout (45 s by default).
    properties.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.instanceId());
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
    // New topics (tables Debezium starts capturing) are found within seconds.
    properties.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 5_000);
    return new KafkaConsumer<>(
        properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * One poll's records. Partitions are independent (each is one store transaction with its own
   * offset), so they are applied side by side, up to {@link KafkaSourceConfig#applyThreads} at
   * once. Only a partition that reshapes a table already known applies on its own, after the
   * others: its changes before the reshape must go first, and no other partition's changes of that
   * table may cross it. Tables seen for the first time are created before any partition applies.
   */
  private void applyAll(ConsumerRecords<byte[], byte[]> records)
      throws ReplicatorException, StoreException {
    List<Prepared> parallel = new ArrayList<>();
    List<TopicPartition> sequential = new ArrayList<>();
    Map<TableId, TableSpec> created = new HashMap<>();
    for (TopicPartition partition : records.partitions()) {
      Prepared prepared = prepare(partition, records.records(partition), created);
      if (prepared == null) {
        sequential.add(partition);
      } else {
        parallel.add(prepared);
      }
    }
    if (!created.isEmpty()) {
      sink.ensureTables(List.copyOf(created.values()));
      tables.putAll(created);
    }
    if (parallel.size() == 1 || config.applyThreads() == 1) {
      for (Prepared prepared : parallel) {
        prepared.apply();
      }
    } else if (!parallel.isEmpty()) {
      List<Future<Void>> running = new ArrayList<>();
      for (Prepared prepared : parallel) {
        running.add(
            appliers.submit(
                () -> {
                  prepared.apply();
                  return null;
                }));
      }
      awaitAll(running);
    }
    for (TopicPartition partition : sequential) {
      apply(partition, records.records(partition));
    }
  }

  private static void awaitAll(List<Future<Void>> running) throws StoreException {
    StoreException failure = null;
    boolean interrupted = false;
    for (Future<Void> future : running) {
      try {
        // Every apply is waited for, even when interrupted: the consumer must not close under
        // them.
        while (true) {
          try {
            future.get();
            break;
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      } catch (ExecutionException e) {
        StoreException cause =
            e.getCause() instanceof StoreException store
                ? store
                : new StoreException(
                    StoreErrorCode.INTERNAL,
                    "applying a partition failed: " + e.getCause(),
                    e.getCause());
        if (failure == null) {
          failure = cause;
        } else {
          failure.addSuppressed(cause);
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** A partition's decoded records, ready to apply as one store transaction. */
  private final class Prepared {
    private final TopicPartition partition;
    private final List<ChangeBatch.Change> changes;
    private final List<ChangeBatch.Committed> marks;
    private final long next;
    private final int records;

    Prepared(
        TopicPartition partition,
        List<ChangeBatch.Change> changes,
        List<ChangeBatch.Committed> marks,
        long next,
        int records) {
      this.partition = partition;
      this.changes = changes;
      this.marks = marks;
      this.next = next;
      this.records = records;
    }

    void apply() throws StoreException {
      flush(partition, changes, marks, next);
      appliedRecords.addAndGet(records);
    }
  }

  /**
   * Decodes a partition's records; null when one of them reshapes a table already known (the
   * partition then applies on its own, see {@link #apply}). Tables seen for the first time are
   * collected in {@code created}.
   */
  private Prepared prepare(
      TopicPartition partition,
      List<ConsumerRecord<byte[], byte[]>> records,
      Map<TableId, TableSpec> created)
      throws ReplicatorException {
    List<ChangeBatch.Change> changes = new ArrayList<>();
    List<ChangeBatch.Committed> marks = new ArrayList<>();
    Map<TableId, TableSpec> seen = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      ChangeEvents.Decoded decoded = decode(record);
      if (decoded == null) {
        continue;
      }
      TableSpec spec = decoded.spec();
      if (spec != null && !spec.equals(tables.get(spec.id()))) {
        TableSpec first = created.getOrDefault(spec.id(), seen.get(spec.id()));
        if (tables.containsKey(spec.id()) || (first != null && !first.equals(spec))) {
          return null;
        }
        seen.put(spec.id(), spec);
      }
      if (decoded.change() instanceof ChangeBatch.Truncate) {
        // A truncate's record has no key: it may sit in any partition of the table's topic, and
        // the stores must see it in the same order against the other partitions' rows.
        return null;
      }
      changes.add(decoded.change());
      marks.add(new ChangeBatch.Committed(changes.size(), record.offset()));
    }
    created.putAll(seen);
    return new Prepared(partition, changes, marks, records.getLast().offset() + 1, records.size());
  }

  private ChangeEvents.Decoded decode(ConsumerRecord<byte[], byte[]> record)
      throws ReplicatorException {
    SchemaAndValue key =
        keys.toConnectData(record.topic(), record.value() == null ? null : record.key());
    SchemaAndValue value = values.toConnectData(record.topic(), record.value());
    return ChangeEvents.decode(key.schema(), key.value(), value.schema(), value.value());
  }

  /**
   * One partition's records of one poll, as one store transaction with the partition's next offset.
   * Each record's change is marked with the record's offset ({@link ChangeBatch.Committed}), so
   * that a store already holding the first records of the batch (it committed before the other one
   * did, then the follower stopped) skips exactly those.
   */
  private void apply(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records)
      throws ReplicatorException, StoreException {
    List<ChangeBatch.Change> changes = new ArrayList<>();
    List<ChangeBatch.Committed> marks = new ArrayList<>();
    long next = records.getFirst().offset();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      ChangeEvents.Decoded decoded = decode(record);
      if (decoded != null) {
        if (decoded.spec() != null && !decoded.spec().equals(tables.get(decoded.spec().id()))) {
          // A table seen for the first time, or reshaped on the source: the changes before it
          // in this batch are of the old shape, so they go first.
          flush(partition, changes, marks, next);
          sink.ensureTables(List.of(decoded.spec()));
          tables.put(decoded.spec().id(), decoded.spec());
        }
        changes.add(decoded.change());
        marks.add(new ChangeBatch.Committed(changes.size(), record.offset()));
      }
      next = record.offset() + 1;
    }
    flush(partition, changes, marks, next);
    appliedRecords.addAndGet(records.size());
  }

  /** Applies the changes with the partition's next offset, and empties the lists. */
  private void flush(
      TopicPartition partition,
      List<ChangeBatch.Change> changes,
      List<ChangeBatch.Committed> marks,
      long nextOffset)
      throws StoreException {
    if (changes.isEmpty() && marks.isEmpty() && nextOffset == 0) {
      return;
    }
    sink.apply(
        new ChangeBatch(
            changes,
            List.of(new SourceOffset(config.sourceName(), partitionKey(partition), nextOffset)),
            marks));
    changes.clear();
    marks.clear();
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
      // Nothing in flight: each poll's records are applied before the next poll. A first load
      // in progress holds rows of these partitions that nothing stored yet: given up.
      if (load != null && !partitions.isEmpty()) {
        loadInterrupted = true;
      }
    }
  }

  @Override
  public void close() {
    stop.stop();
    Thread running;
    synchronized (this) {
      running = thread;
    }
    if (running == null) {
      state.set(ReplicationState.STOPPED);
      caughtUp.completeExceptionally(
          new ReplicatorException(
              ReplicatorErrorCode.SOURCE_STOPPED, "source " + config.sourceName() + " stopped"));
      return;
    }
    try {
      running.join(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
