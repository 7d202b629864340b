package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.LocalStatement;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.QueryResult;
import io.pgmlfollower.pgwire.types.RowEncoder;
import io.vertx.core.buffer.Buffer;
import java.util.Iterator;
import java.util.List;

/**
 * A local statement bound to parameter values (Bind), run by Execute. The statement runs at the
 * first Execute; later Executes of a suspended portal go on pulling its rows. Pulls happen on the
 * event loop or, for blocking statements, on a worker thread, but never two at once.
 */
final class LocalPortal {
  /** Rows encoded per pull: bounds the work between two looks at the socket's write queue. */
  static final int ROWS_PER_PULL = 1000;

  /** What one pull produced. */
  record RowBatch(Buffer dataRows, int rows, boolean exhausted) {}

  private final String name;
  private final LocalStatement statement;
  private final List<Object> parameters;
  private final RowEncoder encoder;
  private QueryResult result;

  LocalPortal(String name, LocalStatement statement, List<Object> parameters, RowEncoder encoder) {
    this.name = requireNonNull(name, "name is null");
    this.statement = requireNonNull(statement, "statement is null");
    this.parameters = requireNonNull(parameters, "parameters is null");
    this.encoder = requireNonNull(encoder, "encoder is null");
  }

  String name() {
    return name;
  }

  /** The values bound to the statement's parameters. */
  List<Object> parameters() {
    return parameters;
  }

  LocalStatement statement() {
    return statement;
  }

  RowEncoder encoder() {
    return encoder;
  }

  /**
   * The command tag of the Execute that exhausted the portal. A SELECT counts the rows that Execute
   * sent, not the statement's total, as PostgreSQL does for a portal run in pieces ({@code
   * PortalRun} reports each run's {@code nprocessed}): {@code SELECT 1} after two suspended pages
   * of two rows out of five.
   */
  String commandTag(int rowsThisExecute) {
    String tag = result == null ? "SELECT 0" : result.commandTag();
    return tag.startsWith("SELECT ") ? "SELECT " + rowsThisExecute : tag;
  }

  /**
   * Runs the statement if it has not run yet, then encodes up to {@code maxRows} rows (and at most
   * about {@link OutputBuffer#FLUSH_THRESHOLD} bytes).
   */
  RowBatch pull(int maxRows, SessionCancellation cancellation) throws PgWireException {
    if (result == null) {
      cancellation.check();
      result = statement.execute(parameters, cancellation);
      if (result == null) {
        throw new IllegalStateException(
            "local statement " + statement.getClass().getName() + " returned no result");
      }
    }
    Iterator<Object[]> rows = result.rows();
    Buffer dataRows = Buffer.buffer(256);
    int count = 0;
    while (count < maxRows && dataRows.length() < OutputBuffer.FLUSH_THRESHOLD && rows.hasNext()) {
      cancellation.check();
      encoder.appendDataRow(dataRows, rows.next());
      count++;
    }
    return new RowBatch(dataRows, count, !rows.hasNext());
  }
}
