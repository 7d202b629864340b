package io.pgmlfollower.serving.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.util.List;
import org.junit.jupiter.api.Test;

class PgmlStatementParserTest {
  private final PgmlStatementParser parser = new PgmlStatementParser();

  @Test
  void statementsWithoutPgmlCallsAreForwarded() throws PgWireException {
    assertThat(parser.parse("SELECT count(*) FROM public.breast_cancer")).isEmpty();
    assertThat(parser.parse("SELECT * FROM pgml.models")).isEmpty();
    assertThat(parser.parse("SELECT n.nspname FROM pg_namespace n WHERE n.nspname ~ '^(pgml)$'"))
        .isEmpty();
  }

  @Test
  void selectListCall() throws PgWireException {
    PgmlCall call =
        parser.parse("SELECT pgml.predict('bc', ARRAY[1.5, -2, 3e2]) AS p").orElseThrow();
    assertThat(call.function()).isEqualTo("predict");
    assertThat(call.fromClause()).isFalse();
    assertThat(call.columnAlias()).isEqualTo("p");
    assertThat(call.arguments()).hasSize(2);
    assertThat((double[]) call.arguments().get(1).value().evaluate(List.of()))
        .containsExactly(1.5, -2, 300);
  }

  @Test
  void fromClauseCallWithNamedArguments() throws PgWireException {
    PgmlCall call =
        parser
            .parse(
                "select * from pgml.train('bc', 'classification', 'public.t', 'target',"
                    + " algorithm => 'random_forest', hyperparams => '{\"n_estimators\": 5}');")
            .orElseThrow();
    assertThat(call.function()).isEqualTo("train");
    assertThat(call.fromClause()).isTrue();
    assertThat(call.arguments())
        .extracting(PgmlCall.CallArgument::name)
        .containsExactly(null, null, null, null, "algorithm", "hyperparams");
  }

  @Test
  void parametersAndCasts() throws PgWireException {
    PgmlCall call = parser.parse("SELECT pgml.predict($1, $2::float8[])").orElseThrow();
    Object features = call.arguments().get(1).value().evaluate(List.of("bc", "{1,2.5}"));
    assertThat((double[]) features).containsExactly(1, 2.5);
  }

  @Test
  void numericLiteralsInEveryNotation() throws PgWireException {
    for (String literal : List.of("1.0E-4", "1e5", "-2.5E+3", "0.00751", ".5", "7")) {
      PgmlCall call =
          parser.parse("SELECT pgml.predict('bc', ARRAY[" + literal + ", 1])").orElseThrow();
      assertThat(((double[]) call.arguments().get(1).value().evaluate(List.of()))[0])
          .isEqualTo(Double.parseDouble(literal));
    }
  }

  @Test
  void everyRowOfTheBundledDataSetParsesAsAPredictCall() throws Exception {
    List<String> lines;
    try (var in = getClass().getResourceAsStream("/datasets/breast_cancer.csv")) {
      lines =
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
              .lines()
              .skip(1)
              .toList();
    }
    for (String line : lines) {
      String[] values = line.split(",");
      StringBuilder array = new StringBuilder();
      for (int i = 0; i < values.length - 1; i++) {
        array.append(i == 0 ? "" : ",").append(Double.parseDouble(values[i]));
      }
      PgmlCall call = parser.parse("SELECT pgml.predict('bc', ARRAY[" + array + "])").orElseThrow();
      assertThat((double[]) call.arguments().get(1).value().evaluate(List.of())).hasSize(31);
    }
  }

  @Test
  void theOfflineStoresCallbacksTakeTheFastPath() throws PgWireException {
    PgmlCall predict =
        parser.parse("SELECT pgml.predict('it''s', '{1,2.5}'::float8[])").orElseThrow();
    assertThat(predict.function()).isEqualTo("predict");
    assertThat(predict.arguments().get(0).value().evaluate(List.of())).isEqualTo("it's");
    assertThat((double[]) predict.arguments().get(1).value().evaluate(List.of()))
        .containsExactly(1, 2.5);
    PgmlCall row =
        parser.parse("SELECT pgml.predict_proba('p', '{\"a\": 1}'::jsonb)").orElseThrow();
    assertThat(row.arguments().get(1).value().evaluate(List.of())).isEqualTo("{\"a\": 1}");
    assertThat(
            parser.parse("SELECT pgml.decompose('p', '{1,2}'::float8[])").orElseThrow().function())
        .isEqualTo("decompose");
    PgmlCall batch =
        parser.parse("SELECT * FROM pgml.predict_batch('p', '{1,2}'::float8[])").orElseThrow();
    assertThat(batch.fromClause()).isTrue();
  }

  @Test
  void literalsAndCommentsThatMentionPgmlAreNotCalls() throws PgWireException {
    assertThat(parser.parse("SELECT * FROM docs WHERE body LIKE '%pgml.train(%'")).isEmpty();
    assertThat(parser.parse("SELECT 1 -- pgml.deploy(")).isEmpty();
    assertThat(parser.parse("SELECT /* pgml.snapshot( */ 1")).isEmpty();
    assertThat(parser.parse("SELECT $q$ pgml.train( $q$")).isEmpty();
    assertThat(parser.parse("SELECT E'\\' pgml.train(' AS x")).isEmpty();
  }

  @Test
  void quotedIdentifiersAndCase() throws PgWireException {
    assertThat(parser.parse("SELECT \"pgml\".\"predict\"('x', ARRAY[1])")).isPresent();
    assertThat(parser.parse("SELECT PGML.PREDICT('x', ARRAY[1])").orElseThrow().function())
        .isEqualTo("predict");
  }

  @Test
  void predictInsideALargerQueryGoesToTheOfflineStore() throws PgWireException {
    assertThat(parser.parse("SELECT pgml.predict('p', ARRAY[a, b]) FROM t WHERE c = 5")).isEmpty();
    assertThat(
            parser.parse(
                "WITH s AS (SELECT *, pgml.predict_proba('p', ARRAY[a]) AS p FROM t)"
                    + " SELECT * FROM s ORDER BY p[1] LIMIT 25"))
        .isEmpty();
    assertThat(parser.parse("SELECT pgml.decompose('p', t) FROM t")).isEmpty();
    // Syntax JSqlParser does not know is PostgreSQL's to judge.
    assertThat(parser.parse("SELECT pgml.predict('p', ARRAY[a]) FROM t TABLESAMPLE SYSTEM (10)"))
        .isEmpty();
  }

  @Test
  void otherPgmlFunctionsInsideALargerQueryAreRefusedClearly() {
    assertThatThrownBy(
            () ->
                parser.parse(
                    "SELECT *, x FROM pgml.train('p', 'regression', 't', 'y') WHERE 1 = 1"))
        .isInstanceOf(PgWireException.class)
        .extracting(e -> ((PgWireException) e).sqlState())
        .isEqualTo(SqlState.FEATURE_NOT_SUPPORTED);
  }

  @Test
  void malformedCallIsASyntaxError() {
    assertThatThrownBy(() -> parser.parse("SELECT * FROM pgml.train('p', ARRAY[1,)"))
        .isInstanceOf(PgWireException.class)
        .extracting(e -> ((PgWireException) e).sqlState())
        .isEqualTo(SqlState.SYNTAX_ERROR);
  }
}
