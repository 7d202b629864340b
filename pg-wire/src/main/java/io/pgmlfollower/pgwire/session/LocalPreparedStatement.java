package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.LocalStatement;

/** A statement the client prepared (Parse) that the server answers itself. */
record LocalPreparedStatement(String name, LocalStatement statement, int[] declaredOids) {
  LocalPreparedStatement {
    requireNonNull(name, "name is null");
    requireNonNull(statement, "statement is null");
    requireNonNull(declaredOids, "declaredOids is null");
  }
}
