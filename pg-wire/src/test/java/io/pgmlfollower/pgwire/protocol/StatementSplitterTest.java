package io.pgmlfollower.pgwire.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatementSplitterTest {
  @Test
  void splitsAtTopLevelSemicolonsOnly() {
    assertThat(StatementSplitter.split("SELECT 1; SELECT 2;"))
        .containsExactly("SELECT 1", "SELECT 2");
  }

  @Test
  void semicolonsInsideStringsIdentifiersAndCommentsDoNotSplit() {
    String sql =
        "SELECT 'a;b', 'it''s;', \"col;umn\" FROM t -- trailing; comment\n"
            + "WHERE x = /* block; /* nested; */ still; */ 1;"
            + "SELECT E'\\';still', $$dollar; body$$, $fn$ a;b $fn$;"
            + "SELECT $1::float8[]";
    assertThat(StatementSplitter.split(sql))
        .containsExactly(
            "SELECT 'a;b', 'it''s;', \"col;umn\" FROM t -- trailing; comment\n"
                + "WHERE x = /* block; /* nested; */ still; */ 1",
            "SELECT E'\\';still', $$dollar; body$$, $fn$ a;b $fn$",
            "SELECT $1::float8[]");
  }

  @Test
  void backslashIsOrdinaryInStandardStrings() {
    assertThat(StatementSplitter.split("SELECT 'C:\\'; SELECT 2"))
        .containsExactly("SELECT 'C:\\'", "SELECT 2");
  }

  @Test
  void identifierEndingInEIsNotAnEscapeStringPrefix() {
    assertThat(StatementSplitter.split("SELECT name'\\'; SELECT 2"))
        .containsExactly("SELECT name'\\'", "SELECT 2");
  }

  @Test
  void dollarInsideIdentifiersIsNotAQuote() {
    assertThat(StatementSplitter.split("SELECT a$b$c; SELECT 2"))
        .containsExactly("SELECT a$b$c", "SELECT 2");
  }

  @Test
  void emptyAndCommentOnlyStatementsAreDropped() {
    assertThat(StatementSplitter.split("")).isEmpty();
    assertThat(StatementSplitter.split(" ;; -- nothing\n /* at all */ ;")).isEmpty();
    assertThat(StatementSplitter.split("SELECT 1;;")).containsExactly("SELECT 1");
  }

  @Test
  void unterminatedQuoteRunsToTheEnd() {
    assertThat(StatementSplitter.split("SELECT 'open; SELECT 2"))
        .containsExactly("SELECT 'open; SELECT 2");
  }
}
