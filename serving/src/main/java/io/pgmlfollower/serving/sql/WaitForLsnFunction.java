package io.pgmlfollower.serving.sql;

import static io.pgmlfollower.serving.sql.FunctionParameter.optional;
import static io.pgmlfollower.serving.sql.FunctionParameter.required;
import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.time.Duration;
import java.util.List;

/**
 * {@code pgml.wait_for_lsn(lsn text, timeout_ms int DEFAULT 10000)} → bool: read-your-writes. A
 * client that wrote on the source takes {@code pg_current_wal_lsn()} there after committing, then
 * waits here until the follower has applied it; true when it has, false on timeout.
 */
final class WaitForLsnFunction extends FunctionShape {
  private static final List<FunctionParameter> PARAMETERS =
      List.of(required("lsn", PgType.TEXT), optional("timeout_ms", PgType.INT8, 10_000L));

  /** A wait holds a worker thread: at most an hour. */
  private static final long MAX_TIMEOUT_MILLIS = 3_600_000;

  private final ReplicationService replication;

  WaitForLsnFunction(ReplicationService replication) {
    super(
        "wait_for_lsn",
        PARAMETERS,
        List.of(new ColumnDescription("wait_for_lsn", PgType.BOOL)),
        true);
    this.replication = requireNonNull(replication, "replication is null");
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel)
      throws PgWireException {
    Long timeoutMillis = arguments.integer("timeout_ms");
    if (timeoutMillis == null || timeoutMillis < 0 || timeoutMillis > MAX_TIMEOUT_MILLIS) {
      throw new PgWireException(
          SqlState.INVALID_PARAMETER_VALUE,
          "pgml.wait_for_lsn: timeout_ms must be between 0 and %d".formatted(MAX_TIMEOUT_MILLIS),
          "pass the longest wait in milliseconds, e.g. 5000");
    }
    boolean applied =
        replication.waitForLsn(
            arguments.requiredText("lsn"), Duration.ofMillis(timeoutMillis), cancel);
    return List.<Object[]>of(new Object[] {applied});
  }
}
