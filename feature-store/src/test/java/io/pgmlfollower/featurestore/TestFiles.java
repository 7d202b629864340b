package io.pgmlfollower.featurestore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories for tests that start an embedded server. */
public final class TestFiles {
  private TestFiles() {}

  /**
   * A new temporary directory others may traverse (mode 0755; JUnit's {@code @TempDir} is 0700):
   * under root the embedded server runs as another OS user, which must reach its data directory.
   */
  public static Path traversableTempDirectory(String prefix) throws IOException {
    return Files.createTempDirectory(
        prefix, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
  }

  public static void deleteTree(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    }
  }
}
