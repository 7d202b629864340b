package io.pgmlfollower.featurestore.embedded;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The OS user the PostgreSQL programs run as. PostgreSQL refuses to run as root ("root" execution
 * of the PostgreSQL server is not permitted), so under root the programs run through {@code
 * setpriv} as an unprivileged user, and the files they own are handed to that user.
 */
final class ServerUser {
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
  private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(10);

  private final String name;
  private final int uid;
  private final int gid;
  private final boolean switched;

  private ServerUser(String name, int uid, int gid, boolean switched) {
    this.name = requireNonNull(name, "name is null");
    this.uid = uid;
    this.gid = gid;
    this.switched = switched;
  }

  /** The current user, or {@code userWhenRoot} when the JVM runs as root. */
  static ServerUser resolve(String userWhenRoot) throws StoreException {
    int euid = effectiveUid();
    if (euid != 0) {
      return new ServerUser(
          ProcessHandle.current().info().user().orElse("uid " + euid), euid, -1, false);
    }
    if (!Files.isExecutable(SETPRIV)) {
      throw new StoreException(
          StoreErrorCode.CONFIGURATION,
          "running as root, PostgreSQL must run as another user, but "
              + SETPRIV
              + " (util-linux) is missing");
    }
    try {
      CommandResult result =
          CommandRunner.run(List.of("getent", "passwd", userWhenRoot), LOOKUP_TIMEOUT);
      String[] fields = result.output().strip().split(":");
      if (!result.succeeded() || fields.length < 4) {
        throw new StoreException(
            StoreErrorCode.CONFIGURATION,
            "running as root, PostgreSQL must run as another user, but OS user "
                + userWhenRoot
                + " does not exist");
      }
      return new ServerUser(
          userWhenRoot, Integer.parseInt(fields[2]), Integer.parseInt(fields[3]), true);
    } catch (IOException | NumberFormatException e) {
      throw new StoreException(
          StoreErrorCode.CONFIGURATION, "cannot look up OS user " + userWhenRoot + ": " + e, e);
    }
  }

  /** The effective uid: {@code /proc/self} belongs to it. */
  private static int effectiveUid() throws StoreException {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException e) {
      throw new StoreException(
          StoreErrorCode.CONFIGURATION, "cannot tell which user this process runs as: " + e, e);
    }
  }

  String name() {
    return name;
  }

  boolean switched() {
    return switched;
  }

  /** The command, run as this user. */
  List<String> command(List<String> command) {
    if (!switched) {
      return command;
    }
    List<String> wrapped = new ArrayList<>();
    wrapped.add(SETPRIV.toString());
    wrapped.add("--reuid=" + uid);
    wrapped.add("--regid=" + gid);
    wrapped.add("--clear-groups");
    wrapped.add("--");
    wrapped.addAll(command);
    return wrapped;
  }

  /** Gives the file or directory (not what is inside) to this user (under root only). */
  void own(Path path) throws IOException {
    if (switched && !isOwned(path)) {
      Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }
  }

  /**
   * Gives a directory and everything in it to this user (under root only), when the directory is
   * someone else's: e.g. a cluster created when the follower ran as another user.
   */
  void ownTree(Path directory) throws IOException {
    if (!switched || isOwned(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        own(path);
      }
    }
  }

  private boolean isOwned(Path path) throws IOException {
    return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS) == uid
        && (Integer) Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS) == gid;
  }

  /**
   * Whether this user can read, write and enter the directory (every parent must be traversable).
   */
  boolean canUse(Path directory) throws IOException {
    if (!switched) {
      return Files.isDirectory(directory)
          && Files.isReadable(directory)
          && Files.isWritable(directory)
          && Files.isExecutable(directory);
    }
    CommandResult result =
        CommandRunner.run(
            command(
                List.of(
                    "/usr/bin/test",
                    "-d",
                    directory.toString(),
                    "-a",
                    "-r",
                    directory.toString(),
                    "-a",
                    "-w",
                    directory.toString(),
                    "-a",
                    "-x",
                    directory.toString())),
            LOOKUP_TIMEOUT);
    return result.succeeded();
  }
}
