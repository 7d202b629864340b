package io.pgmlfollower.pgwire.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.pgwire.protocol.StartupPacket.CancelRequest;
import io.pgmlfollower.pgwire.protocol.StartupPacket.StartupMessage;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupPacketTest {
  private static Frame frame(Buffer packet) throws PgWireException {
    FrameDecoder decoder = new FrameDecoder(1024);
    decoder.feed(packet);
    return decoder.next();
  }

  @Test
  void startupMessageKeepsParametersInOrderAndDefaultsTheDatabase() throws PgWireException {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("user", "app");
    parameters.put("application_name", "psql");
    parameters.put("client_encoding", "UTF8");
    StartupPacket packet =
        StartupPacket.decode(frame(StartupPacket.encodeStartupMessage(parameters)));
    assertThat(packet).isInstanceOf(StartupMessage.class);
    StartupMessage message = (StartupMessage) packet;
    assertThat(message.minorVersion()).isZero();
    assertThat(message.parameters()).containsExactlyEntriesOf(parameters);
    assertThat(message.database()).isEqualTo("app");
  }

  @Test
  void cancelRequestCarriesTheKey() throws PgWireException {
    StartupPacket packet = StartupPacket.decode(frame(StartupPacket.encodeCancelRequest(42, -7)));
    assertThat(packet).isEqualTo(new CancelRequest(new CancelKey(42, new byte[] {-1, -1, -1, -7})));
  }

  @Test
  void protocol32CancelKeysRunToTheEndOfThePacketUpTo256Bytes() throws PgWireException {
    byte[] key = new byte[32];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (i * 7);
    }
    assertThat(StartupPacket.decode(frame(StartupPacket.encodeCancelRequest(42, key))))
        .isEqualTo(new CancelRequest(new CancelKey(42, key)));
    for (int length : new int[] {0, 3, 257}) {
      assertThatThrownBy(
              () ->
                  StartupPacket.decode(
                      frame(StartupPacket.encodeCancelRequest(42, new byte[length]))))
          .as("a %d-byte key", length)
          .isInstanceOfSatisfying(
              PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("08P01"));
    }
  }

  @Test
  void protocolTwoIsRefused() {
    Buffer packet = Buffer.buffer().appendInt(8).appendInt(2 << 16);
    assertThatThrownBy(() -> StartupPacket.decode(frame(packet)))
        .isInstanceOfSatisfying(
            PgWireException.class,
            e -> {
              assertThat(e.sqlState().code()).isEqualTo("0A000");
              assertThat(e.getMessage()).contains("unsupported frontend protocol 2.0");
            });
  }

  @Test
  void missingUserAndTruncatedParametersAreRefused() {
    Buffer noUser = StartupPacket.encodeStartupMessage(Map.of("database", "app"));
    assertThatThrownBy(() -> StartupPacket.decode(frame(noUser)))
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("28000"));
    Buffer truncated = Buffer.buffer().appendInt(12).appendInt(196608).appendString("user");
    assertThatThrownBy(() -> StartupPacket.decode(frame(truncated)))
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("08P01"));
  }

  @Test
  void extendedMessagesDecodeTheirFields() throws PgWireException {
    Buffer parse =
        MessageBuilder.begin(Buffer.buffer(), 'P')
            .cstring("S_1")
            .cstring("SELECT $1")
            .int16(1)
            .int32(1022)
            .end();
    ParseMessage message = ParseMessage.decode(parse.slice(5, parse.length()));
    assertThat(message.name()).isEqualTo("S_1");
    assertThat(message.parameterTypeOids()).containsExactly(1022);

    Buffer bind =
        MessageBuilder.begin(Buffer.buffer(), 'B')
            .cstring("")
            .cstring("S_1")
            .int16(1)
            .int16(1)
            .int16(2)
            .int32(-1)
            .int32(2)
            .bytes(new byte[] {1, 2})
            .int16(0)
            .end();
    BindMessage decoded = BindMessage.decode(bind.slice(5, bind.length()));
    assertThat(decoded.values()[0]).isNull();
    assertThat(decoded.values()[1].getBytes()).containsExactly(1, 2);

    Buffer overlong =
        MessageBuilder.begin(Buffer.buffer(), 'B')
            .cstring("")
            .cstring("")
            .int16(0)
            .int16(1)
            .int32(100)
            .end();
    assertThatThrownBy(() -> BindMessage.decode(overlong.slice(5, overlong.length())))
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("08P01"));
  }
}
