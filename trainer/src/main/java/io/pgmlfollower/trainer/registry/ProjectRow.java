package io.pgmlfollower.trainer.registry;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.trainer.Task;

/** A row of {@code pgml.projects}. */
public record ProjectRow(long id, String name, Task task) {
  public ProjectRow {
    requireNonNull(name, "name is null");
    requireNonNull(task, "task is null");
  }
}
