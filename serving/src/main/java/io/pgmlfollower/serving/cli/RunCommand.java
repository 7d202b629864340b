package io.pgmlfollower.serving.cli;

import io.pgmlfollower.serving.Follower;
import io.pgmlfollower.serving.config.ConfigLoader;
import io.pgmlfollower.serving.config.FollowerConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pgml-follower run --config follower.yaml}: replicate, train, serve, until SIGTERM/SIGINT.
 */
@Command(name = "run", description = "Run the follower: replicate, train and serve.")
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

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
    follower
        .fatalError()
        .thenAccept(
            reason -> {
              LOG.error(
                  "{}: stopping (exit status {}) so that a restart recovers; PostgreSQL's crash"
                      + " recovery runs as it starts, and replication resumes from the stored"
                      + " position",
                  reason,
                  Follower.EXIT_RESTART_NEEDED);
              // Not on this thread: System.exit waits for the shutdown hooks, which stop what
              // this thread may be part of.
              Thread.ofPlatform()
                  .name("pgml-follower-exit")
                  .start(() -> System.exit(Follower.EXIT_RESTART_NEEDED));
            });
    return 0;
  }
}
