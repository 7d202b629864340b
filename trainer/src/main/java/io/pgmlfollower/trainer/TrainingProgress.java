package io.pgmlfollower.trainer;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The trainings running in this process, for whoever watches (the dashboard, {@code
 * /api/training}): which model of which project, since when, at which stage, and how far its
 * hyperparameter search got. The registry shows a model as {@code in_progress} from the moment its
 * fit starts; this adds what only the running process knows.
 */
public final class TrainingProgress {
  /** One running training, as of the call that listed it. */
  public record Running(
      long modelId,
      String project,
      String algorithm,
      Instant started,
      double elapsedSeconds,
      String stage,
      int candidatesDone,
      int candidates) {
    public Running {
      requireNonNull(project, "project is null");
      requireNonNull(algorithm, "algorithm is null");
      requireNonNull(started, "started is null");
      requireNonNull(stage, "stage is null");
    }
  }

  /** Stages a training goes through once its model row exists. */
  public enum Stage {
    FITTING("fitting"),
    SEARCHING("searching"),
    SCORING("scoring and storing");

    private final String label;

    Stage(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final ConcurrentMap<Long, Entry> running = new ConcurrentHashMap<>();

  /** Every training running now, oldest first. */
  public List<Running> running() {
    return running.values().stream()
        .map(Entry::snapshot)
        .sorted(Comparator.comparingLong(Running::modelId))
        .toList();
  }

  Entry start(long modelId, String project, String algorithm) {
    Entry entry = new Entry(modelId, project, algorithm, Instant.now());
    running.put(modelId, entry);
    return entry;
  }

  /** A running training's record; closing it removes it from the list. */
  final class Entry implements AutoCloseable, SearchListener {
    private final long modelId;
    private final String project;
    private final String algorithm;
    private final Instant started;
    private volatile Stage stage = Stage.FITTING;
    // Written together by the one training thread; a reader may see one update late.
    private volatile int candidatesDone;
    private volatile int candidates;

    private Entry(long modelId, String project, String algorithm, Instant started) {
      this.modelId = modelId;
      this.project = requireNonNull(project, "project is null");
      this.algorithm = requireNonNull(algorithm, "algorithm is null");
      this.started = requireNonNull(started, "started is null");
    }

    void stage(Stage stage) {
      this.stage = requireNonNull(stage, "stage is null");
    }

    @Override
    public void candidates(int done, int total) {
      this.candidates = total;
      this.candidatesDone = done;
      this.stage = Stage.SEARCHING;
    }

    private Running snapshot() {
      double elapsed = java.time.Duration.between(started, Instant.now()).toMillis() / 1000.0;
      return new Running(
          modelId, project, algorithm, started, elapsed, stage.label(), candidatesDone, candidates);
    }

    @Override
    public void close() {
      running.remove(modelId, this);
    }
  }

  /** Told as a hyperparameter search goes: {@code done} of {@code total} candidates scored. */
  @FunctionalInterface
  interface SearchListener {
    SearchListener NONE = (done, total) -> {};

    void candidates(int done, int total);
  }
}
