package io.pgmlfollower.replicator.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.pgoutput.InsertMessage;
import io.pgmlfollower.replicator.pgoutput.PgOutputMessage;
import io.pgmlfollower.replicator.pgoutput.RelationMessage;
import io.pgmlfollower.replicator.pgoutput.StreamAbortMessage;
import io.pgmlfollower.replicator.pgoutput.StreamStartMessage;
import io.pgmlfollower.replicator.pgoutput.StreamedMessage;
import io.pgmlfollower.replicator.pgoutput.TupleData;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamedTransactionsTest {
  private static final int TOP = 900;
  private static final int SUB = 901;
  private static final RelationMessage RELATION =
      new RelationMessage(
          16_385, "public", "t", 'd', List.of(new RelationMessage.Column(true, "id", 23, -1)));

  // TupleData values compare their bytes by identity: each insert is one instance.
  private static final InsertMessage INSERT_1 = insert("1");
  private static final InsertMessage INSERT_2 = insert("2");
  private static final InsertMessage INSERT_3 = insert("3");

  @Test
  void interleavedTransactionsAreHeldApartUntilTheirCommit() throws ReplicatorException {
    StreamedTransactions transactions = new StreamedTransactions(1_000);
    transactions.start(new StreamStartMessage(TOP, true));
    transactions.add(streamed(TOP, RELATION));
    transactions.add(streamed(TOP, INSERT_1));
    transactions.stop();
    transactions.start(new StreamStartMessage(950, true));
    transactions.add(streamed(950, insert("50")));
    transactions.stop();
    transactions.start(new StreamStartMessage(TOP, false));
    transactions.add(streamed(TOP, INSERT_2));
    transactions.stop();

    assertThat(transactions.commit(TOP)).containsExactly(RELATION, INSERT_1, INSERT_2);
    transactions.abort(new StreamAbortMessage(950, 950));
    assertThat(transactions.openTransactions()).isZero();
    assertThat(transactions.bytes()).isZero();
  }

  @Test
  void anAbortedSubtransactionLosesItsChangesButNotTheTableDescriptions()
      throws ReplicatorException {
    StreamedTransactions transactions = new StreamedTransactions(1_000);
    transactions.start(new StreamStartMessage(TOP, true));
    transactions.add(streamed(TOP, INSERT_1));
    // SAVEPOINT s; INSERT ...; ROLLBACK TO s: the Relation message came inside the savepoint.
    transactions.add(streamed(SUB, RELATION));
    transactions.add(streamed(SUB, INSERT_2));
    transactions.stop();
    transactions.abort(new StreamAbortMessage(TOP, SUB));
    transactions.start(new StreamStartMessage(TOP, false));
    transactions.add(streamed(TOP, INSERT_3));
    transactions.stop();

    assertThat(transactions.commit(TOP)).containsExactly(INSERT_1, RELATION, INSERT_3);
  }

  @Test
  void aTransactionBeyondTheMemoryBoundStopsTheSourceNamingTheSetting() throws ReplicatorException {
    StreamedTransactions transactions = new StreamedTransactions(25);
    transactions.start(new StreamStartMessage(TOP, true));
    transactions.add(streamed(TOP, INSERT_1));
    transactions.add(streamed(TOP, INSERT_2));

    assertThatThrownBy(() -> transactions.add(streamed(TOP, INSERT_3)))
        .isInstanceOf(ReplicatorException.class)
        .hasMessageContaining("maxStreamedTransactionBytes")
        .extracting(e -> ((ReplicatorException) e).code())
        .isEqualTo(ReplicatorErrorCode.UNSUPPORTED);
  }

  @Test
  void aLaterSegmentWithoutTheFirstIsAProtocolViolation() {
    StreamedTransactions transactions = new StreamedTransactions(1_000);

    assertThatThrownBy(() -> transactions.start(new StreamStartMessage(TOP, false)))
        .extracting(e -> ((ReplicatorException) e).code())
        .isEqualTo(ReplicatorErrorCode.PROTOCOL_VIOLATION);
  }

  private static StreamedMessage streamed(int xid, PgOutputMessage message) {
    return new StreamedMessage(xid, message, 10);
  }

  private static InsertMessage insert(String id) {
    return new InsertMessage(16_385, new TupleData(List.of(TupleData.Value.text(id))));
  }
}
