package io.pgmlfollower.trainer;

import static java.util.Objects.requireNonNull;

/** Trainer settings, with validated setters. Defaults suit a follower; tests may change them. */
public final class TrainerConfig {
  private long splitSeed = 42;
  private int fetchSize = 10_000;
  private SourceLsnReader sourceLsnReader = SourceLsnReader.NONE;
  private SnapshotGuard snapshotGuard = SnapshotGuard.GRANT_SELECT;

  /**
   * The seed of the random train/test split and of the algorithms' own randomness (bootstrap
   * samples, feature subsets). Recorded on every snapshot, so retraining on the same rows gives the
   * same model and metrics.
   */
  public long splitSeed() {
    return splitSeed;
  }

  public TrainerConfig setSplitSeed(long splitSeed) {
    this.splitSeed = splitSeed;
    return this;
  }

  /** Rows fetched per round trip when reading a relation (pgjdbc streams only with a limit). */
  public int fetchSize() {
    return fetchSize;
  }

  public TrainerConfig setFetchSize(int fetchSize) {
    if (fetchSize < 1) {
      throw new IllegalArgumentException("fetchSize must be at least 1, got " + fetchSize);
    }
    this.fetchSize = fetchSize;
    return this;
  }

  public SourceLsnReader sourceLsnReader() {
    return sourceLsnReader;
  }

  public TrainerConfig setSourceLsnReader(SourceLsnReader sourceLsnReader) {
    this.sourceLsnReader = requireNonNull(sourceLsnReader, "sourceLsnReader is null");
    return this;
  }

  /** How a new snapshot's copy is made readable, and unwritable, for the clients that train. */
  public SnapshotGuard snapshotGuard() {
    return snapshotGuard;
  }

  public TrainerConfig setSnapshotGuard(SnapshotGuard snapshotGuard) {
    this.snapshotGuard = requireNonNull(snapshotGuard, "snapshotGuard is null");
    return this;
  }
}
