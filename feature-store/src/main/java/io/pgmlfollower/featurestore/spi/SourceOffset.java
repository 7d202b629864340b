package io.pgmlfollower.featurestore.spi;

import static java.util.Objects.requireNonNull;

/**
 * A position in a source, opaque to the store but totally ordered within one partition.
 *
 * @param source the configured source name (one follower may follow several sources)
 * @param partition the source's sub-stream: empty for a PostgreSQL slot, {@code topic-partition}
 *     for Kafka
 * @param position an LSN as a 64-bit number, or a Kafka offset
 * @param resume what the source needs besides the position to resume right after it, stored with it
 *     (Debezium Embedded's connector offset); null when the position is enough
 */
public record SourceOffset(String source, String partition, long position, String resume) {
  public SourceOffset {
    requireNonNull(source, "source is null");
    requireNonNull(partition, "partition is null");
  }

  /** A position that is enough to resume from. */
  public SourceOffset(String source, String partition, long position) {
    this(source, partition, position, null);
  }
}
