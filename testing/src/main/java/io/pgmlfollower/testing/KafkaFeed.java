package io.pgmlfollower.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code bench/sources}' Kafka side: a real KRaft broker ({@link KafkaBroker}) fed by Debezium
 * Embedded ({@link DebeziumToKafka}) from a source PostgreSQL, running until its standard input
 * closes. Prints {@code BOOTSTRAP <servers>} once the broker is up, then {@code LOADED <ms>
 * <records>} once the topics hold at least the expected number of records (the initial snapshot),
 * measured from the feed's start.
 *
 * <p>Arguments: host port database user password publication slot topic-prefix offsets-file
 * expected-records.
 */
public final class KafkaFeed {
  private KafkaFeed() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 10) {
      System.err.println(
          "usage: KafkaFeed host port database user password publication slot topic-prefix"
              + " offsets-file expected-records");
      System.exit(2);
    }
    SourceRole role =
        new SourceRole(args[3], args[4], args[2], args[5], args[0], Integer.parseInt(args[1]));
    String prefix = args[7];
    long expected = Long.parseLong(args[9]);
    try (KafkaBroker broker = KafkaBroker.start()) {
      // SIGTERM ends the JVM without unwinding this block: the forked broker goes with it anyway.
      Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
      System.out.println("BOOTSTRAP " + broker.bootstrapServers());
      System.out.flush();
      long start = System.nanoTime();
      try (DebeziumToKafka feed =
          DebeziumToKafka.start(role, args[6], prefix, broker, Path.of(args[8]))) {
        long records = awaitRecords(broker, prefix, expected);
        System.out.printf(
            "LOADED %d %d%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), records);
        System.out.flush();
        while (System.in.read() >= 0) {
          // Runs, streaming the source's changes into the topics, until the caller closes stdin.
        }
      }
    }
  }

  /** Polls the end offsets of the prefix's topics until they add up to {@code expected}. */
  private static long awaitRecords(KafkaBroker broker, String prefix, long expected)
      throws InterruptedException {
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", broker.bootstrapServers()),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      while (true) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (Map.Entry<String, List<PartitionInfo>> topic : consumer.listTopics().entrySet()) {
          if (topic.getKey().startsWith(prefix + ".")) {
            for (PartitionInfo partition : topic.getValue()) {
              partitions.add(new TopicPartition(partition.topic(), partition.partition()));
            }
          }
        }
        long records = consumer.endOffsets(partitions).values().stream().mapToLong(l -> l).sum();
        if (records >= expected) {
          return records;
        }
        Thread.sleep(50);
      }
    }
  }
}
