package io.pgmlfollower.pgwire.protocol;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/** Builds one typed message: the type byte, a length word patched at the end, the fields. */
public final class MessageBuilder {
  private final Buffer buffer;
  private final int start;

  private MessageBuilder(Buffer buffer, char type) {
    this.buffer = buffer;
    this.start = buffer.length();
    buffer.appendByte((byte) type).appendInt(0);
  }

  /** Starts a message at the end of {@code buffer}, so many messages can share one write. */
  public static MessageBuilder begin(Buffer buffer, char type) {
    return new MessageBuilder(buffer, type);
  }

  public MessageBuilder int8(int value) {
    buffer.appendByte((byte) value);
    return this;
  }

  public MessageBuilder int16(int value) {
    buffer.appendShort((short) value);
    return this;
  }

  public MessageBuilder int32(int value) {
    buffer.appendInt(value);
    return this;
  }

  public MessageBuilder cstring(String value) {
    appendCString(buffer, value);
    return this;
  }

  public MessageBuilder bytes(byte[] value) {
    buffer.appendBytes(value);
    return this;
  }

  public MessageBuilder bytes(Buffer value) {
    buffer.appendBuffer(value);
    return this;
  }

  /** Patches the length word; returns the buffer the message was appended to. */
  public Buffer end() {
    buffer.setInt(start + 1, buffer.length() - start - 1);
    return buffer;
  }

  /** Appends a null-terminated UTF-8 string. */
  public static void appendCString(Buffer buffer, String value) {
    buffer.appendBytes(value.getBytes(StandardCharsets.UTF_8)).appendByte((byte) 0);
  }
}
