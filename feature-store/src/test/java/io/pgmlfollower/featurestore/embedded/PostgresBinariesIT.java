package io.pgmlfollower.featurestore.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresBinariesIT {
  @Test
  void concurrentUnpacksShareOneCompleteWorldExecutableTree(@TempDir Path cache) throws Exception {
    try (ExecutorService executor = Executors.newFixedThreadPool(2)) {
      List<Future<PostgresBinaries>> unpacks =
          executor.invokeAll(
              List.of(
                  () -> PostgresBinaries.unpackInto(cache),
                  () -> PostgresBinaries.unpackInto(cache)));
      Path first = unpacks.get(0).get().home();
      assertThat(unpacks.get(1).get().home()).isEqualTo(first);
      for (String program : List.of("initdb", "pg_ctl", "postgres")) {
        assertThat(Files.getPosixFilePermissions(first.resolve("bin").resolve(program)))
            .contains(PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE);
      }
      assertThat(Files.isSymbolicLink(first.resolve("lib").resolve("libpq.so.5"))).isTrue();
      assertThat(Files.exists(first.resolve("share/postgresql/postgres.bki"))).isTrue();
      try (var entries = Files.list(cache)) {
        // No scratch directories left behind.
        assertThat(entries.map(p -> p.getFileName().toString()))
            .allMatch(name -> !name.contains(".unpacking-"));
      }
    }
  }
}
