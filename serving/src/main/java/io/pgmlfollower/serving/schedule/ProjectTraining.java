package io.pgmlfollower.serving.schedule;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.replicator.ReplicationSource;
import io.pgmlfollower.serving.config.FollowerConfig;
import io.pgmlfollower.trainer.TrainRequest;
import io.pgmlfollower.trainer.TrainResult;
import io.pgmlfollower.trainer.Trainer;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured projects' training: once the initial snapshot is loaded (earlier would train on an
 * empty table), each project without a deployed model is trained; then each is retrained on its
 * cron {@code schedule} and after {@code retrain-after-changes} row changes to its relation. One
 * thread, off the start-up and serving threads: runs never overlap and predictions never wait.
 * Failures are logged (and recorded on the model row by the trainer); the schedule goes on.
 */
public final class ProjectTraining implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProjectTraining.class);

  private final Trainer trainer;
  private final ReplicationSource source;
  private final ChangeCounter changes;
  private final List<FollowerConfig.Project> projects;
  private final Clock clock;
  private final Duration changeCheckInterval;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> Thread.ofPlatform().name("pgml-training").daemon().unstarted(runnable));
  private final Map<String, Long> changesAtLastTraining = new ConcurrentHashMap<>();

  public ProjectTraining(
      Trainer trainer,
      ReplicationSource source,
      ChangeCounter changes,
      List<FollowerConfig.Project> projects,
      Clock clock,
      Duration changeCheckInterval) {
    this.trainer = requireNonNull(trainer, "trainer is null");
    this.source = requireNonNull(source, "source is null");
    this.changes = requireNonNull(changes, "changes is null");
    this.projects = List.copyOf(requireNonNull(projects, "projects is null"));
    this.clock = requireNonNull(clock, "clock is null");
    this.changeCheckInterval = requireNonNull(changeCheckInterval, "changeCheckInterval is null");
  }

  public void start() {
    if (projects.isEmpty()) {
      return;
    }
    source
        .snapshotDone()
        .thenRun(() -> executor.execute(this::afterSnapshot))
        .exceptionally(
            e -> {
              LOG.error("configured projects are not trained: the snapshot failed", e);
              return null;
            });
  }

  private void afterSnapshot() {
    for (FollowerConfig.Project project : projects) {
      trainIfMissing(project);
      if (project.schedule() != null) {
        scheduleNext(project, CronSchedule.parse(project.schedule()));
      }
    }
    if (projects.stream().anyMatch(p -> p.retrainAfterChanges() != null)) {
      long millis = changeCheckInterval.toMillis();
      executor.scheduleWithFixedDelay(this::retrainChanged, millis, millis, TimeUnit.MILLISECONDS);
    }
  }

  private void trainIfMissing(FollowerConfig.Project project) {
    try {
      trainer.deployedModel(project.name());
      LOG.info("project {} has a deployed model; not training it at start-up", project.name());
      changesAtLastTraining.put(project.name(), changesTo(project));
      return;
    } catch (TrainerException e) {
      if (e.code() != TrainerErrorCode.UNKNOWN_PROJECT
          && e.code() != TrainerErrorCode.NO_DEPLOYED_MODEL) {
        LOG.error("project {}: cannot read its deployed model", project.name(), e);
        return;
      }
    }
    train(project, "it has no deployed model");
  }

  private void scheduleNext(FollowerConfig.Project project, CronSchedule schedule) {
    ZonedDateTime now = ZonedDateTime.now(clock);
    ZonedDateTime next = schedule.next(now);
    long delay = Math.max(0, Duration.between(now, next).toMillis());
    executor.schedule(
        () -> {
          train(project, "its schedule \"" + schedule + "\" fired");
          scheduleNext(project, schedule);
        },
        delay,
        TimeUnit.MILLISECONDS);
    LOG.info("project {} retrains next at {}", project.name(), next);
  }

  private void retrainChanged() {
    for (FollowerConfig.Project project : projects) {
      Long threshold = project.retrainAfterChanges();
      if (threshold == null) {
        continue;
      }
      long changed = changesTo(project) - changesAtLastTraining.getOrDefault(project.name(), 0L);
      if (changed >= threshold) {
        train(project, changed + " row changes since it was last trained");
      }
    }
  }

  private void train(FollowerConfig.Project project, String reason) {
    long before = changesTo(project);
    try {
      TrainResult result =
          trainer.train(
              TrainRequest.builder(project.name())
                  .task(project.task().name().toLowerCase(Locale.ROOT))
                  .relationName(project.relation())
                  .yColumnName(project.target())
                  .algorithm(project.algorithm())
                  .hyperparams(project.hyperparams())
                  .build());
      LOG.info(
          "project {} trained because {}: {} model {} (deployed: {}, metrics {})",
          project.name(),
          reason,
          result.algorithm(),
          result.modelId(),
          result.deployed(),
          result.metrics());
    } catch (RuntimeException e) {
      LOG.error("project {} failed to train ({}): {}", project.name(), reason, e.getMessage(), e);
    } finally {
      // Failed or not, the next change-triggered run waits for as many new changes again.
      changesAtLastTraining.put(project.name(), before);
    }
  }

  /** Changes to the project's relation; a view (not a replicated table) counts every change. */
  private long changesTo(FollowerConfig.Project project) {
    String relation = project.relation();
    int dot = relation.indexOf('.');
    TableId table =
        dot < 0
            ? new TableId("public", relation)
            : new TableId(relation.substring(0, dot), relation.substring(dot + 1));
    long count = changes.count(table);
    return count > 0 ? count : changes.total();
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
