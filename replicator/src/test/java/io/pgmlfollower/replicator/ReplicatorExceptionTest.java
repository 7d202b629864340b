package io.pgmlfollower.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class ReplicatorExceptionTest {
  @Test
  void lostConnectionsAndBusySlotsAreRetried() {
    assertThat(classify("08006").code()).isEqualTo(ReplicatorErrorCode.SOURCE_UNAVAILABLE);
    assertThat(classify("57P01").retryable()).isTrue();
    assertThat(classify("53300").retryable()).isTrue();
    ReplicatorException busy = classify("55006");
    assertThat(busy.code()).isEqualTo(ReplicatorErrorCode.SLOT_IN_USE);
    assertThat(busy.retryable()).isTrue();
    assertThat(busy.code().sqlState()).isEqualTo("55006");
  }

  @Test
  void otherSourceErrorsStopTheSource() {
    assertThat(classify("42501").code()).isEqualTo(ReplicatorErrorCode.ACCESS_DENIED);
    assertThat(classify("28P01").code()).isEqualTo(ReplicatorErrorCode.ACCESS_DENIED);
    assertThat(classify("42704").retryable()).isFalse();
    assertThat(classify(null).code()).isEqualTo(ReplicatorErrorCode.SOURCE_ERROR);
  }

  @Test
  void storeFailuresAreRetriedOnlyWhenTheStoreIsUnavailableOrFull() {
    assertThat(
            ReplicatorException.fromStore(
                    "apply", new StoreException(StoreErrorCode.STORE_UNAVAILABLE, "down"))
                .retryable())
        .isTrue();
    ReplicatorException full =
        ReplicatorException.fromStore(
            "apply", new StoreException(StoreErrorCode.DISK_FULL, "store.path has 3 MiB free"));
    assertThat(full.code()).isEqualTo(ReplicatorErrorCode.STORE_FULL);
    assertThat(full.code().sqlState()).isEqualTo("53100");
    assertThat(full.retryable()).isTrue();
    ReplicatorException rejected =
        ReplicatorException.fromStore(
            "apply", new StoreException(StoreErrorCode.INVALID_DATA, "bad value"));
    assertThat(rejected.code()).isEqualTo(ReplicatorErrorCode.STORE_REJECTED);
    assertThat(rejected.retryable()).isFalse();
    assertThat(rejected).hasMessage("apply: bad value");
  }

  private static ReplicatorException classify(String sqlState) {
    return ReplicatorException.fromSql("do it", new SQLException("failed", sqlState));
  }
}
