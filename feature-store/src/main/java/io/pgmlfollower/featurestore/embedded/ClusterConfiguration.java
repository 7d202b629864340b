package io.pgmlfollower.featurestore.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the parts of a cluster's configuration that the embedded server owns, at every start.
 *
 * <p>Settings go to {@value #SETTINGS_FILE}, which {@code postgresql.conf} includes last so that
 * its values win over the file's defaults (<a
 * href="https://www.postgresql.org/docs/17/config-setting.html#CONFIG-INCLUDES">configuration
 * includes</a>); {@code ALTER SYSTEM} still overrides both. {@code pg_hba.conf} is rewritten whole:
 * password (SCRAM) authentication over TCP for normal and replication connections (<a
 * href="https://www.postgresql.org/docs/17/auth-pg-hba-conf.html">pg_hba.conf</a>).
 */
final class ClusterConfiguration {
  static final String SETTINGS_FILE = "pgml-follower.conf";
  private static final String INCLUDE_LINE = "include_if_exists = '" + SETTINGS_FILE + "'";

  private ClusterConfiguration() {}

  /** Writes the files; returns them (the server user must own them). */
  static List<Path> write(
      Path dataDirectory, String listenHost, int port, Map<String, String> settings)
      throws IOException {
    Map<String, String> all = new LinkedHashMap<>(settings);
    all.put("listen_addresses", listenHost);
    all.put("port", Integer.toString(port));
    // TCP only: socket paths are limited to ~107 bytes and /tmp may be private per service.
    all.put("unix_socket_directories", "");
    StringBuilder conf =
        new StringBuilder("# Written by pgml-follower at every start; edits are lost.\n");
    all.forEach((name, value) -> conf.append(name).append(" = ").append(quote(value)).append('\n'));
    Files.writeString(dataDirectory.resolve(SETTINGS_FILE), conf, StandardCharsets.UTF_8);

    Path postgresqlConf = dataDirectory.resolve("postgresql.conf");
    String current = Files.readString(postgresqlConf, StandardCharsets.UTF_8);
    if (!current.contains(INCLUDE_LINE)) {
      Files.writeString(
          postgresqlConf,
          current + (current.endsWith("\n") ? "" : "\n") + INCLUDE_LINE + "\n",
          StandardCharsets.UTF_8);
    }
    Path hbaConf = dataDirectory.resolve("pg_hba.conf");
    Files.writeString(hbaConf, hba(listenHost), StandardCharsets.UTF_8);
    return List.of(dataDirectory.resolve(SETTINGS_FILE), postgresqlConf, hbaConf);
  }

  private static String hba(String listenHost) {
    StringBuilder hba =
        new StringBuilder(
            """
            # Written by pgml-follower at every start; edits are lost.
            # TYPE  DATABASE     USER  ADDRESS        METHOD
            local   all          all                  trust
            local   replication  all                  trust
            host    all          all   127.0.0.1/32   scram-sha-256
            host    all          all   ::1/128        scram-sha-256
            host    replication  all   127.0.0.1/32   scram-sha-256
            host    replication  all   ::1/128        scram-sha-256
            """);
    if (!isLoopback(listenHost)) {
      // Listening beyond loopback means remote clients are wanted; they still need the password.
      hba.append("host    all          all   all            scram-sha-256\n");
      hba.append("host    replication  all   all            scram-sha-256\n");
    }
    return hba.toString();
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static String quote(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
  }
}
