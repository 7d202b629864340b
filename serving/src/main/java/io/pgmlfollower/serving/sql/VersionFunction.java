package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import java.util.List;

/** {@code pgml.version()}: the follower's version. */
final class VersionFunction extends FunctionShape {
  private final String version;

  VersionFunction(String version) {
    super("version", List.of(), List.of(new ColumnDescription("version", PgType.TEXT)), false);
    this.version = requireNonNull(version, "version is null");
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel) {
    return List.<Object[]>of(new Object[] {version});
  }
}
