package io.pgmlfollower.replicator.check;

import static java.util.Objects.requireNonNull;

/**
 * One prerequisite of a managed-PostgreSQL source, checked.
 *
 * @param fix the exact statement or parameter-group change that makes a failed check pass; null
 *     when it passed
 */
public record CheckResult(String name, boolean passed, String detail, String fix) {
  public CheckResult {
    requireNonNull(name, "name is null");
    requireNonNull(detail, "detail is null");
  }

  static CheckResult pass(String name, String detail) {
    return new CheckResult(name, true, detail, null);
  }

  static CheckResult fail(String name, String detail, String fix) {
    return new CheckResult(name, false, detail, requireNonNull(fix, "fix is null"));
  }
}
