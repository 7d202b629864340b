/**
 * What sources implement against: the feature-store's write-side contract.
 *
 * <p>A source (pgoutput, Debezium, Kafka) never talks SQL to a store. It describes the tables it
 * replicates ({@link io.pgmlfollower.featurestore.spi.TableSpec}), loads an initial snapshot
 * through a {@link io.pgmlfollower.featurestore.spi.SnapshotLoader}, then applies {@link
 * io.pgmlfollower.featurestore.spi.ChangeBatch}es. Every batch carries the source offsets it
 * completes; a store writes the offsets in the same local transaction as the rows, so after any
 * crash the stored offset says exactly what the store holds (exactly-once apply). A source may
 * acknowledge a position to its origin only after {@link
 * io.pgmlfollower.featurestore.spi.ChangeSink#apply} returned for it.
 *
 * <p>Values travel in PostgreSQL's text representation, the one both COPY and pgoutput use, so that
 * the snapshot and the stream share one parser: the store's (PostgreSQL's own input functions).
 */
package io.pgmlfollower.featurestore.spi;
