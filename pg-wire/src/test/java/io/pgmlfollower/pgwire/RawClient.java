package io.pgmlfollower.pgwire;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A bare protocol client for sending what no driver would: startup (trust), then raw bytes. */
final class RawClient implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RawClient(Socket socket) throws IOException {
    this.socket = socket;
    this.socket.setSoTimeout(60_000);
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects and logs in (the server must trust), reading up to the first ReadyForQuery. */
  static RawClient connect(int port, String user, String database) throws IOException {
    return connect(port, user, database, 196608, new ArrayList<>());
  }

  /**
   * Connects with protocol 3.{@code minor}, collecting every message up to the first ReadyForQuery
   * into {@code startup}.
   */
  static RawClient connect(
      int port, String user, String database, int version, List<Message> startup)
      throws IOException {
    RawClient client = new RawClient(new Socket("127.0.0.1", port));
    byte[] parameters =
        ("user\0" + user + "\0database\0" + database + "\0\0").getBytes(StandardCharsets.UTF_8);
    ByteBuffer packet = ByteBuffer.allocate(8 + parameters.length);
    packet.putInt(8 + parameters.length).putInt(version).put(parameters);
    client.send(packet.array());
    Message message;
    do {
      // AuthenticationOk, ParameterStatus*, BackendKeyData, ReadyForQuery
      message = client.readMessage();
      startup.add(message);
    } while (message.type() != 'Z');
    return client;
  }

  record Message(char type, byte[] payload) {}

  Socket socket() {
    return socket;
  }

  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  Message readMessage() throws IOException {
    char type = (char) in.readUnsignedByte();
    byte[] payload = new byte[in.readInt() - 4];
    in.readFully(payload);
    return new Message(type, payload);
  }

  static byte[] parse(String name, String sql) {
    byte[] body = (name + "\0" + sql + "\0").getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + 4 + body.length + 2)
        .put((byte) 'P')
        .putInt(4 + body.length + 2)
        .put(body)
        .putShort((short) 0)
        .array();
  }

  static byte[] query(String sql) {
    byte[] body = (sql + "\0").getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + 4 + body.length)
        .put((byte) 'Q')
        .putInt(4 + body.length)
        .put(body)
        .array();
  }

  static byte[] sync() {
    return new byte[] {'S', 0, 0, 0, 4};
  }

  /** The types of the messages up to and including ReadyForQuery, e.g. "12TDCZ". */
  String readTypesUntilReady() throws IOException {
    StringBuilder types = new StringBuilder();
    Message message;
    do {
      message = readMessage();
      types.append(message.type);
    } while (message.type != 'Z');
    return types.toString();
  }

  /** Reads messages until an ErrorResponse and returns its fields. */
  Map<Character, String> readError() throws IOException {
    Message message = readMessage();
    while (message.type != 'E') {
      message = readMessage();
    }
    Map<Character, String> fields = new LinkedHashMap<>();
    int start = 0;
    byte[] payload = message.payload;
    while (payload[start] != 0) {
      int end = start + 1;
      while (payload[end] != 0) {
        end++;
      }
      fields.put(
          (char) payload[start],
          new String(payload, start + 1, end - start - 1, StandardCharsets.UTF_8));
      start = end + 1;
    }
    return fields;
  }

  boolean atEndOfStream() throws IOException {
    try {
      return in.read() == -1;
    } catch (EOFException e) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
