package io.pgmlfollower.serving.cli;

import io.pgmlfollower.serving.Follower;
import io.pgmlfollower.serving.config.ConfigLoader;
import io.pgmlfollower.serving.config.FollowerConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pgml-follower run --config follower.yaml}: replicate, train, serve, until SIGTERM/SIGINT.
 */
@Command(name = "run", description = "Run the follower: replicate, train and serve.")
final class RunCommand implements Callable<Integer> {
  @Option(
      names = {"-c", "--config"},
      required = true,
      description = "The follower's YAML configuration file.")
  Path config;

  @Override
  public Integer call() throws Exception {
    FollowerConfig followerConfig = ConfigLoader.withSystemEnvironment().load(config);
    Follower follower = Follower.start(followerConfig);
    Runtime.getRuntime().addShutdownHook(new Thread(follower::close, "pgml-follower-shutdown"));
    return 0;
  }
}
