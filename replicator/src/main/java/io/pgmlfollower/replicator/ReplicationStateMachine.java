package io.pgmlfollower.replicator;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A source's {@link ReplicationState}, and who wants to hear when it changes (Trino's {@code
 * StateMachine}, in small). The follower's {@code /health/ready?wait=} answers the moment the
 * source starts streaming instead of re-reading the state on a timer.
 *
 * <p>Listeners run on the thread that changes the state (the source's own, an engine's, or one
 * calling {@code close()}): they must return at once (hand the work to another thread) and not
 * throw. One that throws is logged and the others still run, since a state change must not fail
 * because someone was listening.
 */
public final class ReplicationStateMachine {
  private static final Logger log = LoggerFactory.getLogger(ReplicationStateMachine.class);

  private final String name;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private volatile ReplicationState state;

  public ReplicationStateMachine(String name, ReplicationState initial) {
    this.name = requireNonNull(name, "name is null");
    this.state = requireNonNull(initial, "initial is null");
  }

  public ReplicationState get() {
    return state;
  }

  /** Moves to {@code next}; listeners hear of it when it differs from the current state. */
  public void set(ReplicationState next) {
    requireNonNull(next, "next is null");
    if (state == next) {
      return;
    }
    state = next;
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.warn("A listener of source {} failed on its change to {}", name, next, e);
      }
    }
  }

  /** Runs {@code listener} after every later change of state, on the changing thread. */
  public void addListener(Runnable listener) {
    listeners.add(requireNonNull(listener, "listener is null"));
  }
}
