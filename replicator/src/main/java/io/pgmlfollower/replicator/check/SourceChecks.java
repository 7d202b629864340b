package io.pgmlfollower.replicator.check;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.replicator.PgOutputSourceConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The prerequisites a managed PostgreSQL (RDS, Aurora, Cloud SQL, Azure) must meet before the
 * follower can replicate from it, each checked with the follower's own role — exactly what it will
 * have at run time — and reported with the fix. See docs/operations.md.
 */
public final class SourceChecks {
  private final PgOutputSourceConfig config;

  public SourceChecks(PgOutputSourceConfig config) {
    this.config = requireNonNull(config, "config is null");
  }

  public List<CheckResult> run() {
    List<CheckResult> results = new ArrayList<>();
    try (Connection connection = connect()) {
      results.add(
          CheckResult.pass(
              "connection",
              "connected to %s:%d/%s as %s"
                  .formatted(
                      config.getHost(), config.getPort(), config.getDatabase(), config.getUser())));
      results.add(walLevel(connection));
      results.add(replicationRole(connection));
      results.add(walSenders(connection));
      results.addAll(publication(connection));
      results.add(slot(connection));
      results.add(maxSlotWalKeepSize(connection));
      results.add(walSenderTimeout(connection));
    } catch (SQLException e) {
      results.add(
          CheckResult.fail(
              "connection",
              "cannot connect to %s:%d/%s as %s: %s (SQLSTATE %s)"
                  .formatted(
                      config.getHost(),
                      config.getPort(),
                      config.getDatabase(),
                      config.getUser(),
                      e.getMessage(),
                      e.getSQLState()),
              "check source.host/port/database/user/password/sslmode, the security group or"
                  + " firewall, and pg_hba.conf (the role needs LOGIN)"));
    }
    return results;
  }

  private Connection connect() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", config.getUser());
    config.getPassword().ifPresent(p -> properties.setProperty("password", p));
    properties.setProperty("sslmode", config.getSslMode().pgjdbcValue());
    properties.setProperty("ApplicationName", "pgml-follower check-source");
    properties.setProperty(
        "connectTimeout", Long.toString(Math.max(1, config.getConnectTimeout().toSeconds())));
    return DriverManager.getConnection(
        "jdbc:postgresql://%s:%d/%s"
            .formatted(config.getHost(), config.getPort(), config.getDatabase()),
        properties);
  }

  private static CheckResult walLevel(Connection connection) throws SQLException {
    String walLevel = scalar(connection, "SELECT current_setting('wal_level')");
    if ("logical".equals(walLevel)) {
      return CheckResult.pass("wal_level", "wal_level is logical");
    }
    return CheckResult.fail(
        "wal_level",
        "wal_level is " + walLevel + ", logical decoding needs logical",
        "RDS/Aurora: set rds.logical_replication = 1 in the DB (cluster) parameter group and reboot;"
            + " Cloud SQL: set the flag cloudsql.logical_decoding = on; Azure: set wal_level ="
            + " logical in the server parameters; self-managed: ALTER SYSTEM SET wal_level ="
            + " logical; then restart");
  }

  private CheckResult replicationRole(Connection connection) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT r.rolreplication, r.rolsuper,"
                + " EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = 'rds_replication'"
                + "   AND pg_has_role(current_user, g.oid, 'member'))"
                + " FROM pg_roles r WHERE r.rolname = current_user")) {
      try (ResultSet rs = statement.executeQuery()) {
        rs.next();
        boolean replication = rs.getBoolean(1);
        boolean superuser = rs.getBoolean(2);
        boolean rdsReplication = rs.getBoolean(3);
        if (replication || rdsReplication || superuser) {
          String how =
              rdsReplication
                  ? "member of rds_replication"
                  : replication ? "REPLICATION" : "superuser";
          return CheckResult.pass(
              "replication role", config.getUser() + " can replicate (" + how + ")");
        }
        return CheckResult.fail(
            "replication role",
            config.getUser() + " has neither REPLICATION nor rds_replication",
            "RDS/Aurora: GRANT rds_replication TO %s; elsewhere: ALTER ROLE %s WITH REPLICATION;"
                .formatted(config.getUser(), config.getUser()));
      }
    }
  }

  private static CheckResult walSenders(Connection connection) throws SQLException {
    int senders = Integer.parseInt(scalar(connection, "SELECT current_setting('max_wal_senders')"));
    int slots =
        Integer.parseInt(scalar(connection, "SELECT current_setting('max_replication_slots')"));
    int used = Integer.parseInt(scalar(connection, "SELECT count(*) FROM pg_replication_slots"));
    if (senders > 0 && slots > used) {
      return CheckResult.pass(
          "replication capacity",
          "max_wal_senders=%d, replication slots %d of %d used".formatted(senders, used, slots));
    }
    return CheckResult.fail(
        "replication capacity",
        "max_wal_senders=%d, replication slots %d of %d used".formatted(senders, used, slots),
        "raise max_wal_senders / max_replication_slots (parameter group on RDS), or drop unused"
            + " slots with SELECT pg_drop_replication_slot('name')");
  }

  private List<CheckResult> publication(Connection connection) throws SQLException {
    List<CheckResult> results = new ArrayList<>();
    String publication = config.getPublication();
    boolean exists;
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
      statement.setString(1, publication);
      try (ResultSet rs = statement.executeQuery()) {
        exists = rs.next();
      }
    }
    if (!exists) {
      results.add(
          CheckResult.fail(
              "publication",
              "publication " + publication + " does not exist",
              "as the table owner or an admin: CREATE PUBLICATION %s FOR TABLE schema.table1,"
                      .formatted(publication)
                  + " schema.table2;"));
      return results;
    }
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT format('%I.%I', t.schemaname, t.tablename),"
                + " has_table_privilege(format('%I.%I', t.schemaname, t.tablename), 'SELECT'),"
                + " c.relreplident,"
                + " EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)"
                + " FROM pg_publication_tables t"
                + " JOIN pg_namespace n ON n.nspname = t.schemaname"
                + " JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.tablename"
                + " WHERE t.pubname = ? ORDER BY 1")) {
      statement.setString(1, publication);
      int tables = 0;
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          tables++;
          String table = rs.getString(1);
          if (!rs.getBoolean(2)) {
            results.add(
                CheckResult.fail(
                    "table " + table,
                    config.getUser()
                        + " cannot SELECT from "
                        + table
                        + " (needed for the snapshot)",
                    "GRANT SELECT ON %s TO %s;".formatted(table, config.getUser())));
            continue;
          }
          String identity = rs.getString(3);
          boolean primaryKey = rs.getBoolean(4);
          if ("n".equals(identity) || ("d".equals(identity) && !primaryKey)) {
            results.add(
                CheckResult.fail(
                    "table " + table,
                    table
                        + " has no primary key and REPLICA IDENTITY "
                        + ("n".equals(identity) ? "NOTHING" : "DEFAULT")
                        + ": its updates and deletes cannot be replicated",
                    "add a primary key, or ALTER TABLE %s REPLICA IDENTITY FULL;"
                        .formatted(table)));
          } else {
            results.add(
                CheckResult.pass(
                    "table " + table,
                    "readable, replica identity "
                        + switch (identity) {
                          case "f" -> "FULL";
                          case "i" -> "USING INDEX";
                          default -> "DEFAULT (primary key)";
                        }));
          }
        }
      }
      if (tables == 0) {
        results.add(
            CheckResult.fail(
                "publication",
                "publication " + publication + " has no tables",
                "ALTER PUBLICATION %s ADD TABLE schema.table;".formatted(publication)));
      } else {
        results.addFirst(
            CheckResult.pass(
                "publication", "publication %s has %d tables".formatted(publication, tables)));
      }
    }
    return results;
  }

  private CheckResult slot(Connection connection) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT plugin, active, active_pid,"
                + " pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)),"
                + " wal_status"
                + " FROM pg_replication_slots WHERE slot_name = ?")) {
      statement.setString(1, config.getSlot());
      try (ResultSet rs = statement.executeQuery()) {
        if (!rs.next()) {
          return CheckResult.pass(
              "slot", "slot " + config.getSlot() + " does not exist yet; the follower creates it");
        }
        String plugin = rs.getString(1);
        if (!"pgoutput".equals(plugin)) {
          return CheckResult.fail(
              "slot",
              "slot %s uses plugin %s, not pgoutput".formatted(config.getSlot(), plugin),
              "choose another source.slot, or drop it: SELECT pg_drop_replication_slot('%s');"
                  .formatted(config.getSlot()));
        }
        if ("lost".equals(rs.getString(5))) {
          return CheckResult.fail(
              "slot",
              "slot %s was invalidated (wal_status 'lost'): the WAL it needed is removed"
                  .formatted(config.getSlot()),
              ("drop it and snapshot again: SELECT pg_drop_replication_slot('%s'); then delete"
                      + " store.path, or set source.resnapshot-on-slot-loss: true")
                  .formatted(config.getSlot()));
        }
        return CheckResult.pass(
            "slot",
            "slot %s exists (%s, wal_status %s), retaining %s of WAL"
                .formatted(
                    config.getSlot(),
                    rs.getBoolean(2) ? "active, pid " + rs.getInt(3) : "inactive",
                    rs.getString(5),
                    rs.getString(4)));
      }
    }
  }

  /**
   * Unlimited (-1, the default) lets a stopped follower's slot retain WAL until the disk fills; a
   * limit makes the source invalidate the slot instead. Either is a valid choice, so this only
   * reports it.
   */
  private static CheckResult maxSlotWalKeepSize(Connection connection) throws SQLException {
    String value = scalar(connection, "SELECT current_setting('max_slot_wal_keep_size')");
    String detail =
        "-1".equals(value)
            ? "max_slot_wal_keep_size is -1 (unlimited): while the follower is stopped its slot"
                + " retains WAL without bound; watch pg_replication_slots, or set a limit in the"
                + " parameter group (the slot is then invalidated past it, and the follower"
                + " reports that and must snapshot again)"
            : "max_slot_wal_keep_size is "
                + value
                + ": a follower stopped for longer than that much WAL loses its slot and must"
                + " snapshot again";
    return CheckResult.pass("max_slot_wal_keep_size", detail);
  }

  /**
   * The follower reports its position well within wal_sender_timeout; 0 disables the timeout, so a
   * walsender whose follower died holds the slot until TCP gives up.
   */
  private static CheckResult walSenderTimeout(Connection connection) throws SQLException {
    String value = scalar(connection, "SELECT current_setting('wal_sender_timeout')");
    String millis =
        scalar(connection, "SELECT setting FROM pg_settings WHERE name = 'wal_sender_timeout'");
    if ("0".equals(millis)) {
      return CheckResult.fail(
          "wal_sender_timeout",
          "wal_sender_timeout is 0 (disabled): after a follower crash its dead session keeps the"
              + " slot active until TCP notices",
          "set wal_sender_timeout = 60s in the parameter group (or ALTER SYSTEM SET"
              + " wal_sender_timeout = '60s'; SELECT pg_reload_conf();)");
    }
    return CheckResult.pass(
        "wal_sender_timeout",
        "wal_sender_timeout is "
            + value
            + "; the follower reports its position at least every min(1 s, half of it)");
  }

  private static String scalar(Connection connection, String sql) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql);
        ResultSet rs = statement.executeQuery()) {
      rs.next();
      return rs.getString(1);
    }
  }
}
