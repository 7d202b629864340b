package io.pgmlfollower.pgwire.session;

import io.pgmlfollower.pgwire.protocol.CancelKey;
import java.security.MessageDigest;
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
  private record Entry(byte[] secretKey, Runnable cancel) {}

  private final ConcurrentMap<Integer, Entry> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random;

  public CancelRegistry(SecureRandom random) {
    this.random = random;
  }

  /**
   * Registers a session with a secret of {@code keyBytes} random bytes; {@code cancel} must be safe
   * to call from any thread.
   */
  public CancelKey register(int keyBytes, Runnable cancel) {
    byte[] secretKey = new byte[keyBytes];
    random.nextBytes(secretKey);
    while (true) {
      // Positive, like real process ids, which some clients print.
      int processId = 1 + random.nextInt(Integer.MAX_VALUE - 1);
      if (sessions.putIfAbsent(processId, new Entry(secretKey, cancel)) == null) {
        return new CancelKey(processId, secretKey);
      }
    }
  }

  public void unregister(CancelKey key) {
    sessions.remove(key.processId());
  }

  /**
   * Cancels the session with this key; a wrong secret is ignored, as PostgreSQL ignores it. The
   * comparison takes the same time wherever the secrets differ.
   */
  public boolean cancel(CancelKey key) {
    Entry entry = sessions.get(key.processId());
    if (entry == null || !MessageDigest.isEqual(entry.secretKey(), key.secret())) {
      return false;
    }
    entry.cancel().run();
    return true;
  }
}
