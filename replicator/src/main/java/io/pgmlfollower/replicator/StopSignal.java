package io.pgmlfollower.replicator;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Tells the replication thread to stop, and lets it wait without missing the request. The thread is
 * never interrupted: an interrupt could land inside pgjdbc's socket I/O.
 */
public final class StopSignal {
  private final CountDownLatch stopped = new CountDownLatch(1);

  public void stop() {
    stopped.countDown();
  }

  public boolean isStopped() {
    return stopped.getCount() == 0;
  }

  /** Waits for the duration or until stopped; returns whether stop was requested. */
  public boolean await(Duration duration) {
    try {
      return stopped.await(duration.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }
}
