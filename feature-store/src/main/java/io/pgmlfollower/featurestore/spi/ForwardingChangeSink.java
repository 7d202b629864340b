package io.pgmlfollower.featurestore.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * A {@link ChangeSink} that hands every call to another one: extend it to watch or change one call
 * (counting applied changes, injecting a failure in a test) without repeating the others. {@link
 * #beginSnapshot(String, List)} goes to the other sink's, which may shape tables without calling
 * {@link #ensureTables}: a subclass that watches {@code ensureTables} or {@code
 * beginSnapshot(String)} overrides it too.
 */
public abstract class ForwardingChangeSink implements ChangeSink {
  private final ChangeSink delegate;

  protected ForwardingChangeSink(ChangeSink delegate) {
    this.delegate = requireNonNull(delegate, "delegate is null");
  }

  protected final ChangeSink delegate() {
    return delegate;
  }

  @Override
  public Map<String, Long> offsets(String source) throws StoreException {
    return delegate.offsets(source);
  }

  @Override
  public Map<String, SourceOffset> positions(String source) throws StoreException {
    return delegate.positions(source);
  }

  @Override
  public void ensureTables(List<TableSpec> tables) throws StoreException {
    delegate.ensureTables(tables);
  }

  @Override
  public SnapshotLoader beginSnapshot(String source) throws StoreException {
    return delegate.beginSnapshot(source);
  }

  @Override
  public SnapshotLoader beginSnapshot(String source, List<TableSpec> tables) throws StoreException {
    return delegate.beginSnapshot(source, tables);
  }

  @Override
  public void apply(ChangeBatch batch) throws StoreException {
    delegate.apply(batch);
  }
}
