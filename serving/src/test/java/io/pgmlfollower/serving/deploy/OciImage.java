package io.pgmlfollower.serving.deploy;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * An OCI image layout tarball (what {@code jib:buildTar} writes in OCI format), read the way a
 * container runtime reads it: index → manifest → config and layers, the layers unpacked in order
 * into one root file system with their modes, links and whiteouts.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/image-layout.md">OCI image
 *     layout</a>
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/layer.md">layer changesets
 *     and whiteouts</a>
 */
final class OciImage {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String reference;
  private final JsonNode config;
  private final List<Path> layers;

  private OciImage(String reference, JsonNode config, List<Path> layers) {
    this.reference = requireNonNull(reference, "reference is null");
    this.config = requireNonNull(config, "config is null");
    this.layers = List.copyOf(layers);
  }

  /** Unpacks the layout tarball into {@code work} and reads its only image. */
  static OciImage read(Path tarball, Path work) throws IOException {
    Path layout = Files.createDirectories(work.resolve("layout"));
    try (InputStream in = new BufferedInputStream(Files.newInputStream(tarball))) {
      extract(new TarArchiveInputStream(in), layout);
    }
    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    if (index.path("manifests").size() != 1) {
      throw new IOException("expected one image in " + tarball + ", index: " + index);
    }
    JsonNode descriptor = index.path("manifests").get(0);
    JsonNode manifest = JSON.readTree(blob(layout, descriptor).toFile());
    JsonNode config = JSON.readTree(blob(layout, manifest.path("config")).toFile());
    List<Path> layers = new ArrayList<>();
    for (JsonNode layer : manifest.path("layers")) {
      if (!layer.path("mediaType").asText().endsWith("tar+gzip")) {
        throw new IOException("unexpected layer media type: " + layer);
      }
      layers.add(blob(layout, layer));
    }
    String reference =
        descriptor.path("annotations").path("org.opencontainers.image.ref.name").asText();
    return new OciImage(reference, config, layers);
  }

  private static Path blob(Path layout, JsonNode descriptor) throws IOException {
    String text = descriptor.path("digest").asText();
    if (!text.matches("sha256:[a-f0-9]{64}")) {
      throw new IOException("not a sha256 digest: " + text);
    }
    String[] digest = text.split(":", 2);
    Path blob = layout.resolve("blobs").resolve(digest[0]).resolve(digest[1]);
    if (!Files.isRegularFile(blob)) {
      throw new IOException("missing blob " + blob);
    }
    return blob;
  }

  /** The name the image was built as ({@code org.opencontainers.image.ref.name}). */
  String reference() {
    return reference;
  }

  /** The image configuration's {@code config} object: Entrypoint, Cmd, User, Env, ... */
  JsonNode runConfig() {
    return config.path("config");
  }

  /** The image's environment, {@code Env}'s NAME=value pairs as a map. */
  Map<String, String> environment() {
    Map<String, String> environment = new HashMap<>();
    for (JsonNode pair : runConfig().path("Env")) {
      String[] parts = pair.asText().split("=", 2);
      environment.put(parts[0], parts.length > 1 ? parts[1] : "");
    }
    return environment;
  }

  int layerCount() {
    return layers.size();
  }

  /** Applies the layers in order onto {@code root}: the container's file system. */
  void unpackInto(Path root) throws IOException {
    Files.createDirectories(root);
    for (Path layer : layers) {
      try (InputStream in =
          new GZIPInputStream(new BufferedInputStream(Files.newInputStream(layer)), 1 << 16)) {
        extract(new TarArchiveInputStream(in), root);
      }
    }
  }

  private static void extract(TarArchiveInputStream tar, Path root) throws IOException {
    root = root.toRealPath();
    TarArchiveEntry entry;
    List<Map.Entry<Path, Integer>> directories = new ArrayList<>();
    while ((entry = tar.getNextEntry()) != null) {
      Path path = root.resolve(entry.getName()).normalize();
      if (!path.startsWith(root) || escapes(root, path.getParent())) {
        // By its name, or through a link an earlier entry made: never write outside the root.
        throw new IOException("layer entry escapes the root: " + entry.getName());
      }
      String name = path.getFileName() == null ? "" : path.getFileName().toString();
      if (name.equals(".wh..wh..opq")) {
        // An opaque directory: what lower layers put in it is hidden.
        deleteChildren(path.getParent());
        continue;
      }
      if (name.startsWith(".wh.")) {
        deleteTree(path.resolveSibling(name.substring(4)));
        continue;
      }
      if (entry.isDirectory()) {
        Files.createDirectories(path);
        directories.add(Map.entry(path, entry.getMode()));
        continue;
      }
      Files.createDirectories(path.getParent());
      Files.deleteIfExists(path);
      if (entry.isSymbolicLink()) {
        Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
      } else if (entry.isLink()) {
        Path target = root.resolve(entry.getLinkName()).normalize();
        if (!target.startsWith(root) || escapes(root, target)) {
          throw new IOException("hard link escapes the root: " + entry.getName());
        }
        Files.createLink(path, target);
      } else {
        Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(path, permissions(entry.getMode()));
      }
    }
    // Directory modes last: a read-only directory would refuse the files put in it.
    for (Map.Entry<Path, Integer> directory : directories) {
      Files.setPosixFilePermissions(directory.getKey(), permissions(directory.getValue()));
    }
  }

  /**
   * Whether {@code path}'s nearest existing ancestor, links resolved, lies outside {@code root}.
   */
  private static boolean escapes(Path root, Path path) throws IOException {
    Path existing = path;
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    return existing == null || !existing.toRealPath().startsWith(root);
  }

  /** The mode's permission bits (setuid, setgid and sticky bits are not representable here). */
  static Set<PosixFilePermission> permissions(int mode) {
    PosixFilePermission[] bits = {
      PosixFilePermission.OTHERS_EXECUTE,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
    for (int bit = 0; bit < bits.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        permissions.add(bits[bit]);
      }
    }
    return permissions;
  }

  private static void deleteChildren(Path directory) throws IOException {
    if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var children = Files.list(directory)) {
      for (Path child : children.toList()) {
        deleteTree(child);
      }
    }
  }

  static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      deleteChildren(path);
    }
    Files.delete(path);
  }
}
