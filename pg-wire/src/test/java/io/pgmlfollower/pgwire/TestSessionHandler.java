package io.pgmlfollower.pgwire;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.LocalStatement;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.QueryResult;
import io.pgmlfollower.pgwire.spi.ResultRewrite.TopN;
import io.pgmlfollower.pgwire.spi.SessionHandler;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;

/**
 * Local statements of the {@code test} schema, as an application's SQL front would declare them:
 *
 * <ul>
 *   <li>{@code SELECT test.version()}: one text row
 *   <li>{@code SELECT test.add($1, $2)}: bigint + bigint
 *   <li>{@code SELECT test.echo($1)}: a float8[] back as it came
 *   <li>{@code SELECT test.sum($1)}: the float8 sum of a real[]
 *   <li>{@code SELECT test.series($1)}: rows 1..n (for fetch sizes)
 *   <li>{@code SELECT test.fail()}: 22023 with a hint
 *   <li>{@code SELECT test.wait_for_cancel()}: blocks until cancelled
 * </ul>
 */
final class TestSessionHandler implements SessionHandler {
  /** Counted down when test.wait_for_cancel() starts. */
  static volatile CountDownLatch waitingForCancel = new CountDownLatch(1);

  @Override
  public LocalStatement prepare(String sql, int[] parameterTypeOids) throws PgWireException {
    String normalized = sql.strip().toLowerCase(Locale.ROOT);
    if (!normalized.contains("test.") || normalized.contains("test.halve(")) {
      return null; // forwarded (test.halve: rewritten, see rewrite)
    }
    return switch (normalized) {
      case "select test.version()" ->
          statement(
              List.of(),
              List.of(new ColumnDescription("version", PgType.TEXT)),
              false,
              (parameters, cancel) -> QueryResult.of(List.<Object[]>of(new Object[] {"test-1.0"})));
      case "select test.add($1, $2)" ->
          statement(
              List.of(PgType.INT8, PgType.INT8),
              List.of(new ColumnDescription("add", PgType.INT8)),
              false,
              (parameters, cancel) ->
                  QueryResult.of(
                      List.<Object[]>of(
                          new Object[] {(Long) parameters.get(0) + (Long) parameters.get(1)})));
      case "select test.echo($1)" ->
          statement(
              List.of(PgType.FLOAT8_ARRAY),
              List.of(new ColumnDescription("echo", PgType.FLOAT8_ARRAY)),
              false,
              (parameters, cancel) ->
                  QueryResult.of(List.<Object[]>of(new Object[] {parameters.get(0)})));
      case "select test.sum($1)" ->
          statement(
              List.of(PgType.FLOAT4_ARRAY),
              List.of(new ColumnDescription("sum", PgType.FLOAT8)),
              true,
              (parameters, cancel) -> {
                float[] values = (float[]) parameters.get(0);
                double sum = 0;
                for (float value : values) {
                  sum += value;
                }
                return QueryResult.of(List.<Object[]>of(new Object[] {sum}));
              });
      case "select test.series($1)" ->
          statement(
              List.of(PgType.INT4),
              List.of(new ColumnDescription("n", PgType.INT4)),
              false,
              (parameters, cancel) -> {
                int count = (Integer) parameters.get(0);
                List<Object[]> rows = new ArrayList<>();
                IntStream.rangeClosed(1, count).forEach(i -> rows.add(new Object[] {i}));
                return QueryResult.of(rows);
              });
      case "select test.fail()" ->
          statement(
              List.of(),
              List.of(new ColumnDescription("fail", PgType.TEXT)),
              false,
              (parameters, cancel) -> {
                throw new PgWireException(
                    SqlState.INVALID_PARAMETER_VALUE,
                    "test.fail() always fails",
                    "Call something else.");
              });
      case "select test.wait_for_cancel()" ->
          statement(
              List.of(),
              List.of(new ColumnDescription("never", PgType.TEXT)),
              true,
              (parameters, cancel) -> {
                waitingForCancel.countDown();
                while (true) {
                  cancel.check();
                  Thread.onSpinWait();
                }
              });
      default ->
          throw new PgWireException(
              SqlState.UNDEFINED_FUNCTION, "unknown test function in: " + sql.strip());
    };
  }

  @FunctionalInterface
  interface Body {
    QueryResult run(List<Object> parameters, Cancellation cancel) throws PgWireException;
  }

  /** Rows each {@code test.halve} batch held, in order (reset by the tests). */
  static final java.util.List<Integer> halveBatches =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  /**
   * {@code test.halve(<expression>)} in a select list, a rewritten statement: the upstream sends
   * {@code to_jsonb(<expression>)} and the server answers half of it as a real, in batches; 22023
   * for a negative number.
   */
  @Override
  public io.pgmlfollower.pgwire.spi.ResultRewrite rewrite(String sql) {
    java.util.regex.Matcher call =
        java.util.regex.Pattern.compile("test\\.halve\\(([^()]*)\\)").matcher(sql);
    if (!call.find()) {
      return null;
    }
    String full =
        sql.substring(0, call.start())
            + "to_jsonb("
            + call.group(1)
            + ") AS halve_input"
            + sql.substring(call.end());
    // ... ORDER BY halve DESC LIMIT n: sorted by the server.
    java.util.regex.Matcher order =
        java.util.regex.Pattern.compile("\\s+ORDER BY halve DESC LIMIT (\\d+)\\s*$").matcher(full);
    String rewritten = order.find() ? full.substring(0, order.start()) : full;
    TopN topN =
        rewritten.length() == full.length()
            ? null
            : new TopN(0, true, true, Long.parseLong(order.group(1)), 0);
    return new io.pgmlfollower.pgwire.spi.ResultRewrite() {
      @Override
      public TopN topN() {
        return topN;
      }

      @Override
      public String sql() {
        return rewritten;
      }

      @Override
      public int columns() {
        return 1;
      }

      @Override
      public String marker(int i) {
        return "halve_input";
      }

      @Override
      public String name(int i) {
        return "halve";
      }

      @Override
      public PgType type(int i) {
        return PgType.FLOAT4;
      }

      @Override
      public List<Object[]> apply(List<String[]> inputs) throws PgWireException {
        halveBatches.add(inputs.size());
        List<Object[]> outputs = new java.util.ArrayList<>();
        for (String[] input : inputs) {
          if (input[0] == null) {
            outputs.add(new Object[] {null});
            continue;
          }
          double value = Double.parseDouble(input[0]);
          if (value < 0) {
            throw new PgWireException(
                SqlState.INVALID_PARAMETER_VALUE, "test.halve: " + input[0] + " is negative");
          }
          outputs.add(new Object[] {(float) (value / 2)});
        }
        return outputs;
      }
    };
  }

  private static LocalStatement statement(
      List<PgType> parameterTypes, List<ColumnDescription> columns, boolean blocking, Body body) {
    return new LocalStatement() {
      @Override
      public List<PgType> parameterTypes() {
        return parameterTypes;
      }

      @Override
      public List<ColumnDescription> columns() {
        return columns;
      }

      @Override
      public boolean blocking() {
        return blocking;
      }

      @Override
      public QueryResult execute(List<Object> parameters, Cancellation cancel)
          throws PgWireException {
        return body.run(parameters, cancel);
      }
    };
  }
}
