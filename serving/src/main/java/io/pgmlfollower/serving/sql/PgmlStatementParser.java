package io.pgmlfollower.serving.sql;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.pgmlfollower.serving.sql.PgmlCall.CallArgument;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.jsqlparser.expression.ArrayConstructor;
import net.sf.jsqlparser.expression.BooleanValue;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.DoubleValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.OracleNamedFunctionParameter;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.parser.ParseException;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.create.table.ColDataType;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.TableFunction;

/**
 * Recognizes statements that are a single pgml function call. JSqlParser costs hundreds of
 * microseconds per statement, so results are cached by statement text (drivers repeat the same text
 * with different parameters).
 */
final class PgmlStatementParser {
  private static final int CACHE_LIMIT = 10_000;

  /** Longer texts are parsed every time: a cache of them could hold a lot of memory. */
  private static final int CACHEABLE_LENGTH = 2_048;

  /**
   * The exact statements the offline store's pgml functions send back for each row (see
   * InQueryPredictions): recognized without JSqlParser, whose cost would be paid per row, as each
   * row's text differs.
   */
  private static final Pattern CALLBACK =
      Pattern.compile(
          "SELECT (\\* FROM )?pgml\\.(predict|predict_proba|decompose|predict_batch)"
              + "\\('((?:[^'\\\\]|'')*)', '((?:[^'\\\\]|'')*)'::(float8\\[\\]|jsonb)\\)");

  private static final Pattern PGML_FUNCTION_CALL =
      Pattern.compile("\\bpgml\"?\\s*\\.\\s*(\\w+|\"[^\"]+\")\\s*\\(", Pattern.CASE_INSENSITIVE);

  private static final Pattern IN_QUERY_FUNCTIONS =
      Pattern.compile(
          "\\bpgml\"?\\s*\\.\\s*\"?(predict|predict_proba|decompose|predict_batch)\"?\\s*\\(",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern OTHER_FUNCTIONS =
      Pattern.compile(
          "\\bpgml\"?\\s*\\.\\s*\"?(?!predict\\b|predict_proba\\b|decompose\\b|predict_batch\\b)\\w+\"?\\s*\\(",
          Pattern.CASE_INSENSITIVE);

  private final ConcurrentHashMap<String, Optional<PgmlCall>> cache = new ConcurrentHashMap<>();

  /**
   * @return the call, or empty when the statement is not for the follower (it is forwarded)
   * @throws PgWireException when the statement calls a pgml function in a way the follower cannot
   *     run
   */
  Optional<PgmlCall> parse(String sql) throws PgWireException {
    if (!mentionsPgml(sql)) {
      return Optional.empty();
    }
    Matcher callback = CALLBACK.matcher(sql);
    if (callback.matches()) {
      return Optional.of(callbackCall(callback));
    }
    Optional<PgmlCall> cached = cache.get(sql);
    if (cached != null) {
      return cached;
    }
    String code = SqlCode.of(sql);
    Optional<PgmlCall> call =
        PGML_FUNCTION_CALL.matcher(code).find()
            ? Optional.ofNullable(parseCall(sql, code))
            : Optional.empty();
    if (sql.length() <= CACHEABLE_LENGTH) {
      if (cache.size() >= CACHE_LIMIT) {
        cache.clear();
      }
      cache.put(sql, call);
    }
    return call;
  }

  private static PgmlCall callbackCall(Matcher callback) throws PgWireException {
    PgType type = callback.group(5).equals("jsonb") ? PgType.JSONB : PgType.FLOAT8_ARRAY;
    return new PgmlCall(
        callback.group(2),
        List.of(
            new CallArgument(null, new Argument.Constant(callback.group(3).replace("''", "'"))),
            new CallArgument(
                null,
                new Argument.Cast(
                    new Argument.Constant(callback.group(4).replace("''", "'")), type))),
        null,
        callback.group(1) != null);
  }

  /** The cheap test every forwarded statement pays: does the text contain "pgml" at all? */
  static boolean mentionsPgml(String sql) {
    int length = sql.length();
    for (int i = 0; i + 4 <= length; i++) {
      char c = sql.charAt(i);
      if ((c == 'p' || c == 'P') && sql.regionMatches(true, i, "pgml", 0, 4)) {
        return true;
      }
    }
    return false;
  }

  /** The call, or null for a larger query whose pgml calls the offline store runs. */
  private static PgmlCall parseCall(String sql, String code) throws PgWireException {
    boolean offlineStoreCanRun =
        IN_QUERY_FUNCTIONS.matcher(code).find() && !OTHER_FUNCTIONS.matcher(code).find();
    Statement statement;
    try {
      // Parsed on the calling thread: CCJSqlParserUtil.parse(String) starts a thread per call.
      statement = CCJSqlParserUtil.newParser(sql).Statement();
    } catch (ParseException | RuntimeException e) {
      if (offlineStoreCanRun) {
        // SQL beyond JSqlParser: PostgreSQL parses it (and reports real syntax errors).
        return null;
      }
      String reason = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
      throw new PgWireException(
          SqlState.SYNTAX_ERROR,
          "syntax error in pgml call: " + firstLine(reason),
          "write e.g. SELECT pgml.predict('project', ARRAY[1.0, 2.0])");
    }
    if (statement instanceof PlainSelect select && isBareSelect(select)) {
      if (select.getFromItem() == null && select.getSelectItems().size() == 1) {
        SelectItem<?> item = select.getSelectItems().getFirst();
        if (item.getExpression() instanceof Function function && isPgml(function)) {
          String alias = item.getAlias() == null ? null : unquote(item.getAlias().getName());
          return toCall(function, alias, false);
        }
      }
      if (select.getFromItem() instanceof TableFunction tableFunction
          && select.getSelectItems().size() == 1
          && select.getSelectItems().getFirst().getExpression() instanceof AllColumns
          && isPgml(tableFunction.getFunction())) {
        return toCall(tableFunction.getFunction(), null, true);
      }
    }
    if (offlineStoreCanRun) {
      // pgml.predict inside a larger query: the offline store has it as a real function, which
      // calls back here for each row; PostgreSQL keeps its own semantics for the rest.
      return null;
    }
    throw new PgWireException(
        SqlState.FEATURE_NOT_SUPPORTED,
        "this pgml function can only be called on its own",
        "run it as a statement of its own, e.g. SELECT * FROM pgml.train(...); only"
            + " pgml.predict, pgml.predict_proba and pgml.decompose may stand inside larger"
            + " queries");
  }

  private static boolean isBareSelect(PlainSelect select) {
    return select.getWhere() == null
        && select.getJoins() == null
        && select.getGroupBy() == null
        && select.getOrderByElements() == null
        && select.getLimit() == null
        && select.getHaving() == null
        && select.getDistinct() == null
        && select.getWithItemsList() == null;
  }

  private static boolean isPgml(Function function) {
    List<String> parts = function.getMultipartName();
    return parts != null && parts.size() == 2 && unquote(parts.get(0)).equals("pgml");
  }

  private static PgmlCall toCall(Function function, String alias, boolean fromClause)
      throws PgWireException {
    String name = unquote(function.getMultipartName().get(1));
    List<CallArgument> arguments = new ArrayList<>();
    ExpressionList<?> parameters = function.getParameters();
    if (parameters != null) {
      for (Expression expression : parameters) {
        if (expression instanceof OracleNamedFunctionParameter named) {
          arguments.add(
              new CallArgument(
                  named.getName().toLowerCase(Locale.ROOT), toArgument(named.getExpression())));
        } else {
          if (!arguments.isEmpty() && arguments.getLast().name() != null) {
            throw new PgWireException(
                SqlState.SYNTAX_ERROR,
                "positional argument cannot follow named argument in pgml." + name,
                "put positional arguments first, then name => value pairs");
          }
          arguments.add(new CallArgument(null, toArgument(expression)));
        }
      }
    }
    return new PgmlCall(name, arguments, alias, fromClause);
  }

  private static Argument toArgument(Expression expression) throws PgWireException {
    return switch (expression) {
      case StringValue s -> new Argument.Constant(s.getNotExcapedValue());
      case LongValue l -> new Argument.Constant(l.getValue());
      case DoubleValue d -> new Argument.Constant(d.getValue());
      case NullValue ignored -> new Argument.Constant(null);
      case BooleanValue b -> new Argument.Constant(b.getValue());
      case Column c when isBooleanWord(c.getFullyQualifiedName()) ->
          new Argument.Constant(Boolean.parseBoolean(c.getFullyQualifiedName()));
      case JdbcParameter p -> new Argument.Parameter(p.getIndex());
      case SignedExpression s when s.getSign() == '-' ->
          new Argument.Negated(toArgument(s.getExpression()));
      case SignedExpression s -> toArgument(s.getExpression());
      case CastExpression cast ->
          new Argument.Cast(toArgument(cast.getLeftExpression()), castType(cast.getColDataType()));
      case ArrayConstructor array -> {
        List<Argument> elements = new ArrayList<>();
        if (array.getExpressions() != null) {
          for (Expression element : array.getExpressions()) {
            elements.add(toArgument(element));
          }
        }
        yield new Argument.ArrayOf(elements);
      }
      default ->
          throw new PgWireException(
              SqlState.FEATURE_NOT_SUPPORTED,
              "unsupported argument in pgml call: " + expression,
              "use literals, ARRAY[...] or $n parameters as arguments");
    };
  }

  private static boolean isBooleanWord(String word) {
    return word.equalsIgnoreCase("true") || word.equalsIgnoreCase("false");
  }

  static PgType castType(ColDataType type) throws PgWireException {
    String name = type.getDataType().toLowerCase(Locale.ROOT).replace("\"", "").trim();
    int paren = name.indexOf('(');
    if (paren > 0) {
      name = name.substring(0, paren).trim();
    }
    boolean array =
        name.endsWith("[]") || (type.getArrayData() != null && !type.getArrayData().isEmpty());
    name = name.replace("[]", "").trim();
    PgType base =
        switch (name) {
          case "real", "float4" -> PgType.FLOAT4;
          case "float8", "double precision", "float" -> PgType.FLOAT8;
          case "int", "integer", "int4" -> PgType.INT4;
          case "smallint", "int2" -> PgType.INT2;
          case "bigint", "int8" -> PgType.INT8;
          case "numeric", "decimal" -> PgType.NUMERIC;
          case "bool", "boolean" -> PgType.BOOL;
          case "text", "varchar", "character varying", "name" -> PgType.TEXT;
          case "json" -> PgType.JSON;
          case "jsonb" -> PgType.JSONB;
          default ->
              throw new PgWireException(
                  SqlState.FEATURE_NOT_SUPPORTED, "unsupported cast in pgml call: ::" + name);
        };
    if (!array) {
      return base;
    }
    return switch (base) {
      case FLOAT4 -> PgType.FLOAT4_ARRAY;
      case FLOAT8 -> PgType.FLOAT8_ARRAY;
      case INT4 -> PgType.INT4_ARRAY;
      case INT2 -> PgType.INT2_ARRAY;
      case INT8 -> PgType.INT8_ARRAY;
      case NUMERIC -> PgType.NUMERIC_ARRAY;
      case BOOL -> PgType.BOOL_ARRAY;
      case TEXT -> PgType.TEXT_ARRAY;
      default ->
          throw new PgWireException(
              SqlState.FEATURE_NOT_SUPPORTED, "unsupported cast in pgml call: ::" + name + "[]");
    };
  }

  private static String unquote(String identifier) {
    if (identifier.length() >= 2 && identifier.startsWith("\"") && identifier.endsWith("\"")) {
      return identifier.substring(1, identifier.length() - 1).replace("\"\"", "\"");
    }
    return identifier.toLowerCase(Locale.ROOT);
  }

  private static String firstLine(String text) {
    if (text == null) {
      return "unknown error";
    }
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
