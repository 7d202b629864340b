package io.pgmlfollower.pgwire.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.pgwire.protocol.MessageBuilder;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.ResultRewrite;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rows of a rewritten result as bytes, no socket: a sorted rewrite keeps the best rows in
 * PostgreSQL's order of {@code real} (NaN above every number, NULLs last ascending and first
 * descending unless told) and hands the rest of a row-limited Execute to its portal.
 */
class RowRewriterTest {
  /** Input "id|value" rows; the rewritten column is the value itself, as a real. */
  private static ResultRewrite rewrite(ResultRewrite.TopN topN) {
    return new ResultRewrite() {
      @Override
      public String sql() {
        return "unused";
      }

      @Override
      public int columns() {
        return 1;
      }

      @Override
      public String marker(int i) {
        return "m";
      }

      @Override
      public String name(int i) {
        return "v";
      }

      @Override
      public PgType type(int i) {
        return PgType.FLOAT4;
      }

      @Override
      public TopN topN() {
        return topN;
      }

      @Override
      public List<Object[]> apply(List<String[]> inputs) {
        List<Object[]> out = new ArrayList<>();
        for (String[] input : inputs) {
          out.add(new Object[] {input[0] == null ? null : Float.valueOf(input[0])});
        }
        return out;
      }
    };
  }

  private static Buffer payload(Buffer message) {
    return message.slice(5, message.length()).copy();
  }

  /** Upstream columns: id (int4) and the marker m (jsonb), text format. */
  private static Buffer rowDescription() {
    return payload(
        MessageBuilder.begin(Buffer.buffer(), 'T')
            .int16(2)
            .cstring("id")
            .int32(0)
            .int16(0)
            .int32(23)
            .int16(4)
            .int32(-1)
            .int16(0)
            .cstring("m")
            .int32(0)
            .int16(0)
            .int32(3802)
            .int16(-1)
            .int32(-1)
            .int16(0)
            .end());
  }

  private static Buffer dataRow(int id, String value) {
    MessageBuilder row = MessageBuilder.begin(Buffer.buffer(), 'D').int16(2);
    byte[] idText = Integer.toString(id).getBytes(StandardCharsets.UTF_8);
    row.int32(idText.length).bytes(idText);
    if (value == null) {
      row.int32(-1);
    } else {
      byte[] text = value.getBytes(StandardCharsets.UTF_8);
      row.int32(text.length).bytes(text);
    }
    return payload(row.end());
  }

  /** The id of each DataRow in {@code out}, and the type of every other message, in order. */
  private static List<String> messages(Buffer out) {
    List<String> messages = new ArrayList<>();
    int at = 0;
    while (at < out.length()) {
      char type = (char) out.getByte(at);
      int length = out.getInt(at + 1);
      if (type == 'D') {
        int idLength = out.getInt(at + 7);
        messages.add(out.getString(at + 11, at + 11 + idLength));
      } else {
        messages.add(String.valueOf(type));
      }
      at += 1 + length;
    }
    return messages;
  }

  /** ids: 1=1.5 2=NULL 3=NaN 4=-0 5=0 6=-3 7=Infinity 8=2 */
  private static final String[] VALUES = {"1.5", null, "NaN", "-0", "0", "-3", "Infinity", "2"};

  private static RowRewriter rewriter(RewrittenStatement statement, RewrittenPortal portal, int max)
      throws PgWireException {
    RowRewriter rewriter = new RowRewriter(statement, new short[0], true, portal, max);
    Buffer description = Buffer.buffer();
    rewriter.rowDescription(rowDescription(), description);
    assertThat(messages(description)).containsExactly("T");
    for (int i = 0; i < VALUES.length; i++) {
      rewriter.row(dataRow(i + 1, VALUES[i]));
    }
    return rewriter;
  }

  private static List<String> sorted(ResultRewrite.TopN topN) throws PgWireException {
    RowRewriter rewriter = rewriter(new RewrittenStatement(rewrite(topN)), null, 0);
    Buffer out = Buffer.buffer();
    rewriter.flush(out);
    assertThat(out.length()).as("a sorted result sends nothing before its end").isZero();
    rewriter.finish(out);
    return messages(out);
  }

  @Test
  void ascendingPutsNullsLastAndNanAboveInfinity() throws PgWireException {
    List<String> all = sorted(new ResultRewrite.TopN(0, false, false, 100, 0));
    assertThat(all.getFirst()).isEqualTo("6");
    assertThat(all.subList(1, 3)).containsExactlyInAnyOrder("4", "5"); // -0 = 0
    assertThat(all.subList(3, all.size())).containsExactly("1", "8", "7", "3", "2", "C");
  }

  @Test
  void descendingPutsNullsFirstAndKeepsOnlyTheBestAfterTheOffset() throws PgWireException {
    // NULL first, then NaN, Infinity, 2, 1.5; the offset skips the NULL row.
    assertThat(sorted(new ResultRewrite.TopN(0, true, true, 3, 1)))
        .containsExactly("3", "7", "8", "C");
    assertThat(sorted(new ResultRewrite.TopN(0, true, false, 2, 0))).containsExactly("3", "7", "C");
  }

  @Test
  void aRowLimitSuspendsThePortalAndItsNextExecutesTakeTheRest() throws PgWireException {
    RewrittenStatement statement =
        new RewrittenStatement(rewrite(new ResultRewrite.TopN(0, false, false, 5, 0)));
    RewrittenPortal portal = new RewrittenPortal(statement, new short[0]);
    RowRewriter rewriter = rewriter(statement, portal, 2);
    Buffer out = Buffer.buffer();
    rewriter.flush(out);
    rewriter.finish(out);
    // -3 (6), then the two zeros (4 and 5, equal), 1.5 (1), 2 (8): two rows per Execute.
    List<String> first = messages(out);
    assertThat(first).hasSize(3).endsWith("s");
    assertThat(first.getFirst()).isEqualTo("6");
    Buffer next = Buffer.buffer();
    RowRewriter.sendRows(next, portal.pending(), 2, portal);
    List<String> second = messages(next);
    assertThat(second).hasSize(3).endsWith("1", "s");
    assertThat(List.of(first.get(1), second.getFirst())).containsExactlyInAnyOrder("4", "5");
    Buffer last = Buffer.buffer();
    RowRewriter.sendRows(last, portal.pending(), 2, portal);
    assertThat(messages(last)).containsExactly("8", "C");
    assertThat(portal.pending()).isNull();
  }
}
