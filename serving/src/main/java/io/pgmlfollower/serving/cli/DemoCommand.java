package io.pgmlfollower.serving.cli;

import io.pgmlfollower.serving.demo.Demo;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pgml-follower demo [--port 6433]}: an embedded source with sample data and a follower
 * attached to it; prints how to connect; Ctrl-C stops everything and deletes its files.
 */
@Command(
    name = "demo",
    description = "Start an embedded source with sample data and a follower attached to it.")
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--port",
      defaultValue = "6433",
      description = "The follower's PostgreSQL port (default: ${DEFAULT-VALUE}).")
  int port;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    spec.commandLine()
        .getOut()
        .println("Starting the demo (a source PostgreSQL and a follower)...");
    spec.commandLine().getOut().flush();
    // The hook is in place before the (long) start, so Ctrl-C during it still cleans up.
    java.util.concurrent.atomic.AtomicReference<Demo> running =
        new java.util.concurrent.atomic.AtomicReference<>();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  Demo demo = running.get();
                  if (demo != null) {
                    demo.close();
                  }
                  stopped.countDown();
                },
                "pgml-follower-demo-shutdown"));
    Demo demo = Demo.start(port);
    running.set(demo);
    spec.commandLine().getOut().println(demo.instructions());
    spec.commandLine().getOut().flush();
    stopped.await();
    return 0;
  }
}
