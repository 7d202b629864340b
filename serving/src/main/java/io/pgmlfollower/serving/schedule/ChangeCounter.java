package io.pgmlfollower.serving.schedule;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.ForwardingChangeSink;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the row changes a store has durably applied, per table, on their way from the source: what
 * {@code retrain-after-changes} and the applied-rows metric read. Counts start at zero with the
 * process; they measure change since start, not history.
 */
public final class ChangeCounter extends ForwardingChangeSink {
  private final Map<TableId, LongAdder> perTable = new ConcurrentHashMap<>();
  private final LongAdder total = new LongAdder();

  public ChangeCounter(ChangeSink delegate) {
    super(delegate);
  }

  @Override
  public void apply(ChangeBatch batch) throws StoreException {
    delegate().apply(batch);
    // Counted once durable: a failed batch changed nothing.
    for (ChangeBatch.Change change : batch.changes()) {
      if (change instanceof ChangeBatch.Row row) {
        perTable.computeIfAbsent(row.change().table(), t -> new LongAdder()).increment();
        total.increment();
      }
    }
  }

  /** Row changes applied to a table since start. */
  public long count(TableId table) {
    LongAdder adder = perTable.get(table);
    return adder == null ? 0 : adder.sum();
  }

  /** Row changes applied to all tables since start. */
  public long total() {
    return total.sum();
  }
}
