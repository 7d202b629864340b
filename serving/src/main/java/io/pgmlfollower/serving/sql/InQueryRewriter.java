package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.ResultRewrite;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.OracleNamedFunctionParameter;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.parser.ParseException;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * Batches {@code pgml.predict}, {@code pgml.predict_proba} and {@code pgml.decompose} in a query's
 * select list. PostgreSQL evaluates such a call once per row, each a round trip back to the
 * follower (see InQueryPredictions); rewritten, the offline store computes each row's features
 * ({@code to_jsonb(<features>)}, a row or an array) in the call's place and the follower predicts a
 * batch of rows at once as they stream back. Everything else about the query (filters, joins,
 * order, limits, transactions) stays PostgreSQL's.
 *
 * <p>Rewritten only when every pgml call of the statement is a whole item of the top-level select
 * list of a plain SELECT, with a literal project name whose deployed model answers without waiting;
 * when no ORDER BY or GROUP BY names such an item's alias or a column position; and without
 * DISTINCT (which would compare the features, not the predictions). Any other statement keeps the
 * per-row calls, with the same results.
 */
final class InQueryRewriter {
  private static final Pattern CALL =
      Pattern.compile(
          "(?<![\\w$\"])\"?pgml\"?\\s*\\.\\s*\"?(\\w+)\"?\\s*\\(", Pattern.CASE_INSENSITIVE);

  private static final Pattern PARAMETER = Pattern.compile("\\$\\d");

  private final ModelService models;

  InQueryRewriter(ModelService models) {
    this.models = requireNonNull(models, "models is null");
  }

  /** The rewrite, or null to leave the statement to per-row calls. */
  ResultRewrite rewrite(String sql) {
    String code = SqlCode.of(sql);
    List<int[]> spans = callSpans(code);
    if (spans == null || spans.isEmpty()) {
      return null;
    }
    Statement statement;
    try {
      statement = CCJSqlParserUtil.newParser(sql).Statement();
    } catch (ParseException | RuntimeException e) {
      return null;
    }
    if (!(statement instanceof PlainSelect select)
        || select.getDistinct() != null
        || select.getIntoTables() != null) {
      return null;
    }
    List<Item> items = new ArrayList<>();
    for (SelectItem<?> item : select.getSelectItems()) {
      if (item.getExpression() instanceof Function function && isPgmlCall(function)) {
        Item parsed = item(function, item.getAlias() == null ? null : item.getAlias().getName());
        if (parsed == null) {
          return null;
        }
        items.add(parsed);
      }
    }
    // Every call in the text is one of the select list's items, in order.
    if (items.size() != spans.size()) {
      return null;
    }
    ResultRewrite.TopN topN = topN(select, items);
    int cut = sql.length();
    if (topN != null) {
      cut = topLevelOrderBy(code, spans.getLast()[1]);
      if (cut < 0) {
        return null;
      }
    } else if (referencesItems(select, items)) {
      return null;
    }
    for (Item item : items) {
      if (!models.answersWithoutWaiting(item.project(), false)) {
        return null;
      }
    }
    for (int[] span : spans) {
      // A bind parameter among the features: to_jsonb($1) has no type PostgreSQL could infer.
      if (PARAMETER.matcher(code.substring(span[2], span[1])).find()) {
        return null;
      }
    }
    String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    StringBuilder rewritten = new StringBuilder(sql.length() + 32 * items.size());
    List<Rewritten> columns = new ArrayList<>();
    int copied = 0;
    for (int i = 0; i < items.size(); i++) {
      int[] span = spans.get(i);
      Item item = items.get(i);
      String marker = "pgml_batch_" + tag + "_" + i;
      rewritten.append(sql, copied, span[0]);
      rewritten.append("to_jsonb(").append(sql, span[2], span[1] - 1).append(')');
      int aliasEnd = aliasEnd(code, span[1], item.alias() != null);
      rewritten.append(" AS \"").append(marker).append('"');
      copied = aliasEnd;
      columns.add(new Rewritten(item.function(), item.project(), marker, item.columnName()));
    }
    rewritten.append(sql, copied, cut);
    return new Batched(rewritten.toString(), columns, models, topN);
  }

  /** One rewritten select item. */
  private record Item(String function, String project, String alias) {
    /** The result column's name: the alias, or the function's (PostgreSQL's default). */
    String columnName() {
      return alias == null ? function : unquote(alias);
    }
  }

  private static Item item(Function function, String alias) {
    String name = unquote(function.getMultipartName().get(1));
    if (!name.equals("predict") && !name.equals("predict_proba") && !name.equals("decompose")) {
      return null;
    }
    ExpressionList<?> parameters = function.getParameters();
    if (parameters == null
        || parameters.size() != 2
        || !(parameters.get(0) instanceof StringValue project)
        || parameters.get(1) instanceof OracleNamedFunctionParameter) {
      return null;
    }
    return new Item(name, project.getValue().replace("''", "'"), alias);
  }

  private static boolean isPgmlCall(Function function) {
    List<String> parts = function.getMultipartName();
    return parts != null && parts.size() == 2 && unquote(parts.get(0)).equals("pgml");
  }

  /** Sorted rows the server keeps at most ({@code ORDER BY prediction LIMIT n OFFSET m}). */
  private static final long MAX_SORTED_ROWS = 10_000;

  private static final Pattern ORDER_BY = Pattern.compile("(?i)\\border\\s+by\\b");

  /**
   * {@code ORDER BY <a predict item> [ASC|DESC] [NULLS FIRST|LAST] LIMIT n [OFFSET m]}, with
   * literal n and m and nothing else to order by: the server can sort the predictions itself. Null
   * otherwise.
   */
  private static ResultRewrite.TopN topN(PlainSelect select, List<Item> items) {
    List<OrderByElement> order = select.getOrderByElements();
    if (order == null
        || order.size() != 1
        || select.getLimit() == null
        || select.getFetch() != null
        || select.getForMode() != null
        || (select.getGroupBy() != null)
        || !(select.getLimit().getRowCount()
            instanceof net.sf.jsqlparser.expression.LongValue limit)
        || select.getLimit().getOffset() != null
        || !(order.getFirst().getExpression() instanceof net.sf.jsqlparser.schema.Column column)
        || column.getTable() != null) {
      return null;
    }
    long offset = 0;
    if (select.getOffset() != null) {
      if (!(select.getOffset().getOffset() instanceof net.sf.jsqlparser.expression.LongValue o)) {
        return null;
      }
      offset = o.getValue();
    }
    String name = unquote(column.getColumnName());
    int index = -1;
    for (int i = 0; i < items.size(); i++) {
      Item item = items.get(i);
      if (item.columnName().equals(name)) {
        if (index >= 0 || !item.function().equals("predict")) {
          return null; // ambiguous, or an array (ordered as PostgreSQL orders arrays)
        }
        index = i;
      }
    }
    if (index < 0 || limit.getValue() + offset > MAX_SORTED_ROWS) {
      return null;
    }
    OrderByElement element = order.getFirst();
    boolean descending = !element.isAsc();
    boolean nullsFirst =
        element.getNullOrdering() == null
            ? descending
            : element.getNullOrdering() == OrderByElement.NullOrdering.NULLS_FIRST;
    return new ResultRewrite.TopN(index, descending, nullsFirst, limit.getValue(), offset);
  }

  /** Where the statement's own ORDER BY starts (outside parentheses, after the calls); -1: none. */
  private static int topLevelOrderBy(String code, int from) {
    int depth = 0;
    boolean quoted = false;
    int found = -1;
    for (int at = 0; at < code.length(); at++) {
      char c = code.charAt(at);
      if (c == '"') {
        quoted = !quoted;
      } else if (!quoted) {
        if (c == '(') {
          depth++;
        } else if (c == ')') {
          depth--;
        } else if (depth == 0 && at >= from && (c == 'o' || c == 'O')) {
          Matcher matcher = ORDER_BY.matcher(code).region(at, code.length());
          if (matcher.lookingAt() && (at == 0 || !Character.isLetterOrDigit(code.charAt(at - 1)))) {
            found = at;
          }
        }
      }
    }
    return found;
  }

  /** Whether ORDER BY or GROUP BY could mean a rewritten item: by its alias, or by position. */
  private static boolean referencesItems(PlainSelect select, List<Item> items) {
    List<Expression> references = new ArrayList<>();
    if (select.getOrderByElements() != null) {
      for (OrderByElement element : select.getOrderByElements()) {
        references.add(element.getExpression());
      }
    }
    if (select.getGroupBy() != null && select.getGroupBy().getGroupByExpressionList() != null) {
      for (Object expression : select.getGroupBy().getGroupByExpressionList()) {
        references.add((Expression) expression);
      }
    }
    for (Expression reference : references) {
      if (reference instanceof net.sf.jsqlparser.expression.LongValue) {
        return true;
      }
      if (reference instanceof net.sf.jsqlparser.schema.Column column
          && column.getTable() == null) {
        String name = unquote(column.getColumnName());
        for (Item item : items) {
          if (item.columnName().equals(name)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * Each pgml call's span in the masked text: {start, end (after its closing parenthesis), start of
   * its second argument}; null when a call is not a two-argument in-query function.
   */
  private static List<int[]> callSpans(String code) {
    List<int[]> spans = new ArrayList<>();
    Matcher matcher = CALL.matcher(code);
    int from = 0;
    while (matcher.find(from)) {
      String name = matcher.group(1).toLowerCase(Locale.ROOT);
      if (!name.equals("predict") && !name.equals("predict_proba") && !name.equals("decompose")) {
        return null;
      }
      int depth = 1;
      int comma = -1;
      int at = matcher.end();
      boolean quoted = false;
      for (; at < code.length() && depth > 0; at++) {
        char c = code.charAt(at);
        if (c == '"') {
          quoted = !quoted;
        } else if (!quoted) {
          if (c == '(' || c == '[') {
            depth++;
          } else if (c == ')' || c == ']') {
            depth--;
          } else if (c == ',' && depth == 1 && comma < 0) {
            comma = at;
          }
        }
      }
      if (depth != 0 || comma < 0) {
        return null;
      }
      spans.add(new int[] {matcher.start(), at, comma + 1});
      from = at;
    }
    return spans;
  }

  /** Where the item ends: after its alias ({@code [AS] name}) when it has one, else at the call. */
  private static int aliasEnd(String code, int callEnd, boolean hasAlias) {
    if (!hasAlias) {
      return callEnd;
    }
    int at = callEnd;
    at = skipSpace(code, at);
    if (code.regionMatches(true, at, "as", 0, 2)
        && (at + 2 >= code.length() || !Character.isJavaIdentifierPart(code.charAt(at + 2)))) {
      at = skipSpace(code, at + 2);
    }
    if (at < code.length() && code.charAt(at) == '"') {
      int close = code.indexOf('"', at + 1);
      while (close >= 0 && close + 1 < code.length() && code.charAt(close + 1) == '"') {
        close = code.indexOf('"', close + 2);
      }
      return close < 0 ? code.length() : close + 1;
    }
    while (at < code.length() && Character.isJavaIdentifierPart(code.charAt(at))) {
      at++;
    }
    return at;
  }

  private static int skipSpace(String code, int at) {
    while (at < code.length() && Character.isWhitespace(code.charAt(at))) {
      at++;
    }
    return at;
  }

  private static String unquote(String identifier) {
    if (identifier.length() >= 2 && identifier.startsWith("\"") && identifier.endsWith("\"")) {
      return identifier.substring(1, identifier.length() - 1).replace("\"\"", "\"");
    }
    return identifier.toLowerCase(Locale.ROOT);
  }

  /** A rewritten column: which function of which project, its marker and the client's name. */
  record Rewritten(String function, String project, String marker, String name) {}

  /** The rewrite: each batch answered by one deployment of each project. */
  private static final class Batched implements ResultRewrite {
    private final String sql;
    private final List<Rewritten> columns;
    private final ModelService models;
    private final TopN topN;

    Batched(String sql, List<Rewritten> columns, ModelService models, TopN topN) {
      this.sql = sql;
      this.columns = List.copyOf(columns);
      this.models = models;
      this.topN = topN;
    }

    @Override
    public TopN topN() {
      return topN;
    }

    @Override
    public String sql() {
      return sql;
    }

    @Override
    public int columns() {
      return columns.size();
    }

    @Override
    public String marker(int i) {
      return columns.get(i).marker();
    }

    @Override
    public String name(int i) {
      return columns.get(i).name();
    }

    @Override
    public PgType type(int i) {
      return columns.get(i).function().equals("predict") ? PgType.FLOAT4 : PgType.FLOAT4_ARRAY;
    }

    @Override
    public List<Object[]> apply(List<String[]> inputs) throws PgWireException {
      List<Object[]> outputs = new ArrayList<>(inputs.size());
      for (int r = 0; r < inputs.size(); r++) {
        outputs.add(new Object[columns.size()]);
      }
      for (int c = 0; c < columns.size(); c++) {
        Rewritten column = columns.get(c);
        ModelService.Deployed model = models.deployed(column.project());
        for (int r = 0; r < inputs.size(); r++) {
          String json = inputs.get(r)[c];
          if (json == null) {
            continue; // NULL features, NULL prediction: the functions are STRICT
          }
          if (json.startsWith("[")) {
            // An array of features: refused for models with text features, as by the per-row
            // function.
            ModelService.checkNumeric(model.categories(), column.project(), column.function());
          }
          double[] features =
              RowFeatures.features(
                  json, model.featureNames(), model.categories(), column.project());
          outputs.get(r)[c] =
              switch (column.function()) {
                case "predict" -> (float) model.predict(features);
                case "predict_proba" -> floats(model.predictProba(features));
                default -> floats(model.decompose(features));
              };
        }
      }
      return outputs;
    }

    private static float[] floats(double[] values) {
      float[] result = new float[values.length];
      for (int i = 0; i < result.length; i++) {
        result[i] = (float) values[i];
      }
      return result;
    }
  }
}
