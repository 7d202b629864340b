package io.pgmlfollower.replicator.snapshot;

import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import java.util.Arrays;

/**
 * The framing of a binary COPY
 * (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4): an 11-byte signature, an
 * Int32 flags field and an Int32-length header extension, the rows, then an Int16 -1. The source
 * sends one CopyData message per row, the header riding on the first one and the end marker alone
 * (or with the header when there are no rows); a table read as several block ranges is several such
 * files, joined into one with one header and one end marker.
 */
final class BinaryCopy {
  private static final byte[] SIGNATURE = {
    'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0
  };

  /** The header a joined file starts with: the signature, no flags, no extension. */
  static final byte[] HEADER = Arrays.copyOf(SIGNATURE, SIGNATURE.length + 8);

  /** The end marker: a field count of -1. */
  static final byte[] END = {(byte) 0xFF, (byte) 0xFF};

  private BinaryCopy() {}

  /**
   * Where the rows start in a range's first message ({@code length} bytes of {@code buffer} from
   * {@code offset}): after the signature, flags and extension.
   */
  static int headerLength(byte[] buffer, int offset, int length) throws ReplicatorException {
    if (length < HEADER.length
        || !Arrays.equals(
            buffer, offset, offset + SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
      throw new ReplicatorException(
          ReplicatorErrorCode.INTERNAL, "the source's binary COPY did not start with its header");
    }
    int extension =
        ((buffer[offset + 15] & 0xFF) << 24)
            | ((buffer[offset + 16] & 0xFF) << 16)
            | ((buffer[offset + 17] & 0xFF) << 8)
            | (buffer[offset + 18] & 0xFF);
    if (extension < 0 || HEADER.length + extension > length) {
      throw new ReplicatorException(
          ReplicatorErrorCode.INTERNAL, "the source's binary COPY header is cut short");
    }
    return HEADER.length + extension;
  }

  /**
   * Whether a message ({@code length} bytes of {@code buffer} from {@code offset}) is the end
   * marker.
   */
  static boolean isEnd(byte[] buffer, int offset, int length) {
    return length == 2 && buffer[offset] == -1 && buffer[offset + 1] == -1;
  }
}
