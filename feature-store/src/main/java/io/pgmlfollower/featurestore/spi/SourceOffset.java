package io.pgmlfollower.featurestore.spi;

import static java.util.Objects.requireNonNull;

/**
 * A position in a source, opaque to the store but totally ordered within one partition.
 *
 * @param source the configured source name (one follower may follow several sources)
 * @param partition the source's sub-stream: empty for a PostgreSQL slot, {@code topic-partition}
 *     for Kafka
 * @param position an LSN as a 64-bit number, or a Kafka offset
 */
public record SourceOffset(String source, String partition, long position) {
  public SourceOffset {
    requireNonNull(source, "source is null");
    requireNonNull(partition, "partition is null");
  }
}
