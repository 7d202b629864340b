package io.pgmlfollower.serving;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgmlfollower.featurestore.StoreSpaceGuard;
import io.pgmlfollower.featurestore.online.OnlineStore;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.pgwire.PgWireServer;
import io.pgmlfollower.replicator.ReplicationSource;
import io.pgmlfollower.replicator.ReplicationState;
import io.pgmlfollower.replicator.snapshot.SnapshotProgress;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The follower's metrics, scraped at {@code /metrics} in Prometheus' text format: replication lag
 * and positions, endpoint sessions, predictions and training per project, the offline store's size,
 * and the JVM. See docs/operations.md for the list.
 */
final class FollowerMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(FollowerMetrics.class);
  private static final String PREFIX = "pgml_follower.";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Timer> predictionTimers = new ConcurrentHashMap<>();
  private final Counter predictionErrors;

  FollowerMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    predictionErrors =
        Counter.builder(PREFIX + "prediction.errors")
            .description("pgml.predict calls that ended in an error")
            .register(registry);
  }

  void bindReplication(ReplicationSource source) {
    requireNonNull(source, "source is null");
    String name = source.status().sourceName();
    Gauge.builder(PREFIX + "replication.lag.bytes", source, s -> s.status().lagBytes())
        .description("WAL bytes the source has written that the stores do not hold yet")
        .baseUnit("bytes")
        .tag("source", name)
        .register(registry);
    Gauge.builder(PREFIX + "replication.lag.milliseconds", source, s -> s.status().lagMillis())
        .description("age of the newest source commit not yet applied")
        .tag("source", name)
        .register(registry);
    Gauge.builder(PREFIX + "replication.applied.lsn", source, s -> s.status().appliedLsnValue())
        .description("the source LSN the stores hold durably (acknowledged to the source)")
        .tag("source", name)
        .register(registry);
    Gauge.builder(PREFIX + "replication.received.lsn", source, s -> s.status().receivedLsnValue())
        .description("the newest source LSN received")
        .tag("source", name)
        .register(registry);
    FunctionCounter.builder(
            PREFIX + "replication.applied.changes", source, s -> s.status().appliedChanges())
        .description("row changes and truncates applied from the stream (rate() gives rows/s)")
        .tag("source", name)
        .register(registry);
    Gauge.builder(PREFIX + "replication.copy.rows", source, FollowerMetrics::rowsBeingCopied)
        .description(
            "rows copied so far by the table copies in progress (initial snapshot, tables added)")
        .tag("source", name)
        .register(registry);
    Gauge.builder(
            PREFIX + "replication.copy.tables.pending",
            source,
            s -> s.status().tableCopies().stream().filter(FollowerMetrics::pending).count())
        .description("tables whose copy is queued or running")
        .tag("source", name)
        .register(registry);
    for (ReplicationState state : ReplicationState.values()) {
      Gauge.builder(PREFIX + "replication.state", source, s -> s.status().state() == state ? 1 : 0)
          .description("1 for the source's current state")
          .tags("source", name, "state", state.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
  }

  private static boolean pending(SnapshotProgress.TableProgress copy) {
    return copy.state() == SnapshotProgress.State.QUEUED
        || copy.state() == SnapshotProgress.State.COPYING
        || copy.state() == SnapshotProgress.State.COPIED;
  }

  private static double rowsBeingCopied(ReplicationSource source) {
    return source.status().tableCopies().stream()
        .filter(FollowerMetrics::pending)
        .mapToLong(SnapshotProgress.TableProgress::rows)
        .sum();
  }

  void bindEndpoint(PgWireServer endpoint) {
    requireNonNull(endpoint, "endpoint is null");
    Gauge.builder(PREFIX + "endpoint.sessions", endpoint, PgWireServer::activeSessions)
        .description("client sessions open on the PostgreSQL endpoint")
        .register(registry);
    FunctionCounter.builder(PREFIX + "endpoint.connections", endpoint, e -> e.stats().connections())
        .description("client connections to the PostgreSQL endpoint (startup messages received)")
        .register(registry);
    FunctionCounter.builder(PREFIX + "endpoint.errors", endpoint, e -> e.stats().errors())
        .description(
            "ErrorResponse messages sent to the endpoint's clients, raised there or by the store")
        .register(registry);
  }

  /** The free space of store.path's volume, and whether the guard paused replication for it. */
  void bindStoreSpace(StoreSpaceGuard.FreeSpace free, StoreSpaceGuard guard) {
    requireNonNull(free, "free is null");
    requireNonNull(guard, "guard is null");
    Gauge.builder(PREFIX + "store.free", free, FollowerMetrics::freeBytes)
        .description("usable space left on the volume of store.path")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder(PREFIX + "store.full", guard, g -> g.paused() ? 1 : 0)
        .description("1 while replication is paused: store.path has less than store.min-free-mb")
        .register(registry);
  }

  private static double freeBytes(StoreSpaceGuard.FreeSpace free) {
    try {
      return free.bytes();
    } catch (java.io.IOException e) {
      LOG.debug("Cannot read the free space of store.path", e);
      return Double.NaN;
    }
  }

  void bindOnlineStore(OnlineStore online) {
    requireNonNull(online, "online is null");
    Gauge.builder(PREFIX + "online.store.size", online, FollowerMetrics::onlineSize)
        .description("the online store's SST files and memtables")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder(PREFIX + "online.store.rows", online, FollowerMetrics::onlineRows)
        .description("rows in the online store, RocksDB's estimate over every table")
        .register(registry);
    Gauge.builder(PREFIX + "online.store.tables.loading", online, OnlineStore::tablesLoading)
        .description(
            "tables whose snapshot the online store is loading: lookups by key read them from the"
                + " offline store meanwhile")
        .register(registry);
  }

  private static double onlineSize(OnlineStore online) {
    try {
      return online.diskBytes();
    } catch (StoreException e) {
      LOG.debug("Cannot read the online store's size", e);
      return Double.NaN;
    }
  }

  private static double onlineRows(OnlineStore online) {
    long rows = 0;
    try {
      for (TableId table : online.tables()) {
        rows += online.estimatedRows(table);
      }
      return rows;
    } catch (StoreException e) {
      LOG.debug("Cannot count the online store's rows", e);
      return Double.NaN;
    }
  }

  void bindOfflineStore(DataSource offlineStore) {
    requireNonNull(offlineStore, "offlineStore is null");
    Gauge.builder(PREFIX + "offline.store.size", offlineStore, FollowerMetrics::databaseSize)
        .description("size of the offline store's database")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder(PREFIX + "offline.store.rows", offlineStore, FollowerMetrics::offlineRows)
        .description("live rows of the replicated tables in the offline store (statistics)")
        .register(registry);
    Gauge.builder(
            PREFIX + "training.snapshots.size",
            offlineStore,
            dataSource ->
                scalar(
                    dataSource,
                    "SELECT coalesce(sum(size_bytes), 0) FROM pgml.snapshots"
                        + " WHERE snapshot_table IS NOT NULL",
                    "snapshot bytes"))
        .description("disk used by the training snapshots' copies (pgml.snapshot_<id>)")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder(
            PREFIX + "training.snapshots",
            offlineStore,
            dataSource ->
                scalar(
                    dataSource,
                    "SELECT count(*) FROM pgml.snapshots WHERE snapshot_table IS NOT NULL",
                    "snapshots"))
        .description("training snapshots whose copy is kept (pgml.drop_snapshot frees one)")
        .register(registry);
  }

  private static double offlineRows(DataSource dataSource) {
    return scalar(
        dataSource,
        "SELECT coalesce(sum(n_live_tup), 0) FROM pg_stat_user_tables"
            + " WHERE schemaname NOT IN ('pgml', 'pgml_follower')",
        "rows");
  }

  /** Records one successful prediction; projects appear once they answered a prediction. */
  void recordPrediction(String project, long nanos) {
    predictionTimers
        .computeIfAbsent(
            project,
            p ->
                Timer.builder(PREFIX + "predictions")
                    .description("pgml.predict and pgml.predict_proba calls answered")
                    .tag("project", p)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofNanos(500))
                    .maximumExpectedValue(Duration.ofSeconds(1))
                    .register(registry))
        .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  void recordPredictionError() {
    predictionErrors.increment();
  }

  /**
   * Records a pgml.train run. Failed runs are not labelled by project: any client can make up
   * project names, and each label value would be a time series kept forever.
   */
  void recordTraining(String project, boolean succeeded, long nanos) {
    Timer.builder(PREFIX + "training.runs")
        .description("pgml.train runs")
        .tags(
            "project",
            succeeded ? project : "(failed)",
            "outcome",
            succeeded ? "success" : "failure")
        .register(registry)
        .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** The Prometheus text exposition; may query the offline store (call off the event loop). */
  String scrape() {
    return registry.scrape();
  }

  private static double databaseSize(DataSource dataSource) {
    return scalar(dataSource, "SELECT pg_database_size(current_database())", "size");
  }

  private static double scalar(DataSource dataSource, String sql, String what) {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      LOG.warn("cannot read the offline store's {}: {}", what, e.getMessage());
      return Double.NaN;
    }
  }
}
