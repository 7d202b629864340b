package io.pgmlfollower.pgwire.session;

import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The BackendKeyData the server hands out (its own process ids and secrets, not the upstream's),
 * and the sessions they belong to, so a CancelRequest arriving on a fresh connection finds its
 * session. See
 * https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS
 */
public final class CancelRegistry {
  /** A session's key, and what cancelling it does. */
  public record Key(int processId, int secretKey) {}

  private record Entry(int secretKey, Runnable cancel) {}

  private final ConcurrentMap<Integer, Entry> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random;

  public CancelRegistry(SecureRandom random) {
    this.random = random;
  }

  /** Registers a session; {@code cancel} must be safe to call from any thread. */
  public Key register(Runnable cancel) {
    int secretKey = random.nextInt();
    while (true) {
      // Positive, like real process ids, which some clients print.
      int processId = 1 + random.nextInt(Integer.MAX_VALUE - 1);
      if (sessions.putIfAbsent(processId, new Entry(secretKey, cancel)) == null) {
        return new Key(processId, secretKey);
      }
    }
  }

  public void unregister(Key key) {
    sessions.remove(key.processId());
  }

  /** Cancels the session with this key; a wrong secret is ignored, as PostgreSQL ignores it. */
  public boolean cancel(int processId, int secretKey) {
    Entry entry = sessions.get(processId);
    if (entry == null || entry.secretKey() != secretKey) {
      return false;
    }
    entry.cancel().run();
    return true;
  }
}
