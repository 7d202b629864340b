package io.pgmlfollower.serving;

/** What {@code /health/ready} answers, and how a waiting request learns that the answer changed. */
interface Readiness {
  /** Null when ready; else why not, in a few words. */
  String notReadyReason();

  /**
   * Runs {@code listener} after each change that may alter {@link #notReadyReason()}, on any
   * thread; it must return at once.
   */
  void addListener(Runnable listener);

  /**
   * Whether {@link #notReadyReason()} can also change with no listener call: a lag limit, since lag
   * grows with time alone. Waiting requests then check again every {@link
   * AdminServer#UNANNOUNCED_CHECK_MS} ms as well.
   */
  boolean changesUnannounced();
}
