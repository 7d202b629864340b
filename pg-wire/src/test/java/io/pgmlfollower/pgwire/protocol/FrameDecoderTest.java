package io.pgmlfollower.pgwire.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
  private static Buffer query(String sql) {
    return QueryMessage.encode(sql);
  }

  private static List<Frame> drain(FrameDecoder decoder) throws PgWireException {
    List<Frame> frames = new ArrayList<>();
    for (Frame frame = decoder.next(); frame != null; frame = decoder.next()) {
      frames.add(frame);
    }
    return frames;
  }

  @Test
  void framesArrivingByteByByteComeOutWhole() throws PgWireException {
    FrameDecoder decoder = new FrameDecoder(1024);
    decoder.startupDone();
    Buffer bytes = query("SELECT 1").appendBuffer(query("SELECT 2"));
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < bytes.length(); i++) {
      decoder.feed(bytes.getBuffer(i, i + 1));
      frames.addAll(drain(decoder));
    }
    assertThat(frames).hasSize(2);
    assertThat(frames.get(0).typeChar()).isEqualTo('Q');
    assertThat(QueryMessage.decode(frames.get(1).payload()).sql()).isEqualTo("SELECT 2");
    assertThat(frames.get(0).raw()).isEqualTo(query("SELECT 1"));
    assertThat(decoder.bufferedBytes()).isZero();
  }

  @Test
  void truncatedFrameWaitsForMoreBytes() throws PgWireException {
    FrameDecoder decoder = new FrameDecoder(1024);
    decoder.startupDone();
    Buffer frame = query("SELECT 1");
    decoder.feed(frame.getBuffer(0, frame.length() - 1));
    assertThat(decoder.next()).isNull();
    decoder.feed(frame.getBuffer(frame.length() - 1, frame.length()));
    assertThat(decoder.next()).isNotNull();
  }

  @Test
  void oversizedFrameIsRefusedBeforeItsBytesArrive() {
    FrameDecoder decoder = new FrameDecoder(1024);
    decoder.startupDone();
    decoder.feed(Buffer.buffer().appendByte((byte) 'Q').appendInt(1025 + 4));
    assertThatThrownBy(decoder::next)
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("54000"));
  }

  @Test
  void lengthSmallerThanItselfIsAProtocolViolation() {
    FrameDecoder decoder = new FrameDecoder(1024);
    decoder.startupDone();
    decoder.feed(Buffer.buffer().appendByte((byte) 'Q').appendInt(3));
    assertThatThrownBy(decoder::next)
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("08P01"));
  }

  @Test
  void startupPacketsHaveNoTypeByteAndABoundedLength() throws PgWireException {
    FrameDecoder decoder = new FrameDecoder(1024);
    decoder.feed(Buffer.buffer().appendInt(8).appendInt(StartupPacket.SSL_REQUEST_CODE));
    Frame frame = decoder.next();
    assertThat(frame.type()).isEqualTo(Frame.UNTYPED);
    assertThat(StartupPacket.decode(frame)).isInstanceOf(StartupPacket.SslRequest.class);

    FrameDecoder hostile = new FrameDecoder(1024);
    hostile.feed(Buffer.buffer().appendInt(1_000_000).appendInt(196608));
    assertThatThrownBy(hostile::next).isInstanceOf(PgWireException.class);
  }

  @Test
  void largeMessagesAreRefusedUntilTheClientIsAuthenticated() throws PgWireException {
    int size = 200_000;
    Buffer big =
        Buffer.buffer().appendByte((byte) 'Q').appendInt(4 + size).appendBytes(new byte[size]);

    FrameDecoder unauthenticated = new FrameDecoder(1 << 20);
    unauthenticated.startupDone();
    unauthenticated.feed(big);
    assertThatThrownBy(unauthenticated::next)
        .isInstanceOf(PgWireException.class)
        .extracting(e -> ((PgWireException) e).sqlState())
        .isEqualTo(SqlState.PROGRAM_LIMIT_EXCEEDED);

    FrameDecoder authenticated = new FrameDecoder(1 << 20);
    authenticated.startupDone();
    authenticated.authenticated();
    authenticated.feed(big);
    assertThat(authenticated.next().raw().length()).isEqualTo(5 + size);
  }
}
