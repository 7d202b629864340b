package io.pgmlfollower.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class BackgroundStreamTest {
  @Test
  void everyByteArrivesInOrderAndTheTargetIsClosedBeforeCloseReturns() throws IOException {
    byte[] data = new byte[3_000_000];
    new Random(7).nextBytes(data);
    AtomicBoolean targetClosed = new AtomicBoolean();
    ByteArrayOutputStream received =
        new ByteArrayOutputStream() {
          @Override
          public void close() {
            targetClosed.set(true);
          }
        };
    BackgroundStream stream = new BackgroundStream(received, "test-writer");
    Random sizes = new Random(11);
    for (int at = 0; at < data.length; ) {
      int n = Math.min(data.length - at, 1 + sizes.nextInt(100_000));
      stream.write(data, at, n);
      at += n;
    }
    stream.close();
    assertThat(targetClosed).isTrue();
    assertThat(received.toByteArray()).isEqualTo(data);
  }

  @Test
  void aLongCopyReusesItsBlocks() throws IOException {
    CRC32 sent = new CRC32();
    CRC32 received = new CRC32();
    OutputStream target =
        new OutputStream() {
          @Override
          public void write(int b) {
            received.update(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            received.update(b, off, len);
          }
        };
    BackgroundStream stream = new BackgroundStream(target, "test-writer");
    Random random = new Random(13);
    byte[] chunk = new byte[100_000];
    for (int i = 0; i < 1_000; i++) { // 100 MB, about 400 blocks' worth
      random.nextBytes(chunk);
      sent.update(chunk);
      stream.write(chunk, 0, chunk.length);
    }
    stream.close();
    assertThat(received.getValue()).isEqualTo(sent.getValue());
    assertThat(stream.blocksAllocated()).isLessThanOrEqualTo(10); // 8 queued, 1 filled, 1 written
  }

  @Test
  void aFailureOfTheTargetReachesTheWriter() {
    OutputStream failing =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("disk full");
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            throw new IOException("disk full");
          }
        };
    BackgroundStream stream = new BackgroundStream(failing, "test-writer");
    byte[] block = new byte[1 << 20];
    // The failure shows at a later write (the queue never blocks the writer for good) or at close.
    assertThatThrownBy(
            () -> {
              for (int i = 0; i < 100; i++) {
                stream.write(block, 0, block.length);
              }
              stream.close();
            })
        .isInstanceOf(IOException.class)
        .hasMessageContaining("disk full");
  }

  @Test
  void anAbandonedStreamStopsItsThreadAndClosesTheTarget() throws IOException {
    AtomicBoolean targetClosed = new AtomicBoolean();
    OutputStream target =
        new OutputStream() {
          @Override
          public void write(int b) {}

          @Override
          public void close() {
            targetClosed.set(true);
          }
        };
    BackgroundStream stream = new BackgroundStream(target, "test-writer");
    stream.write(new byte[10], 0, 10);
    stream.abandon();
    assertThat(targetClosed).isTrue();
    assertThatThrownBy(() -> stream.write(new byte[1], 0, 1)).isInstanceOf(IOException.class);
  }
}
