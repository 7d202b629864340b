package io.pgmlfollower.serving.cli;

import io.pgmlfollower.replicator.check.CheckResult;
import io.pgmlfollower.replicator.check.SourceChecks;
import io.pgmlfollower.serving.ModuleConfigs;
import io.pgmlfollower.serving.config.ConfigLoader;
import io.pgmlfollower.serving.config.FollowerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pgml-follower check-source --config f.yaml}: one line per prerequisite, PASS or FAIL with
 * the fix; exit 0 only when all pass.
 */
@Command(
    name = "check-source",
    description = "Check the source database's logical-replication prerequisites.")
final class CheckSourceCommand implements Callable<Integer> {
  @Option(
      names = {"-c", "--config"},
      required = true,
      description = "The follower's YAML configuration file.")
  Path config;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    FollowerConfig followerConfig = ConfigLoader.withSystemEnvironment().load(config);
    List<CheckResult> results =
        new SourceChecks(ModuleConfigs.pgOutputSource(followerConfig.source())).run();
    PrintWriter out = spec.commandLine().getOut();
    for (CheckResult result : results) {
      out.printf(
          "%-4s  %-28s %s%n", result.passed() ? "PASS" : "FAIL", result.name(), result.detail());
      if (!result.passed()) {
        out.printf("      %-28s fix: %s%n", "", result.fix());
      }
    }
    long failed = results.stream().filter(r -> !r.passed()).count();
    out.println(
        failed == 0
            ? "All %d checks passed.".formatted(results.size())
            : "%d of %d checks failed.".formatted(failed, results.size()));
    out.flush();
    return failed == 0 ? 0 : 1;
  }
}
