package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import java.util.List;

/** {@code pgml.version()}: the follower's version. */
final class VersionFunction implements PgmlFunction {
  private final String version;

  VersionFunction(String version) {
    this.version = requireNonNull(version, "version is null");
  }

  @Override
  public String name() {
    return "version";
  }

  @Override
  public List<FunctionParameter> parameters() {
    return List.of();
  }

  @Override
  public List<ColumnDescription> columns() {
    return List.of(new ColumnDescription("version", PgType.TEXT));
  }

  @Override
  public boolean blocking() {
    return false;
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel) {
    return List.<Object[]>of(new Object[] {version});
  }
}
