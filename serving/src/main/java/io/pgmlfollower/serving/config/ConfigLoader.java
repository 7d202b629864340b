package io.pgmlfollower.serving.config;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pgmlfollower.serving.config.FollowerConfig.OfflineType;
import io.pgmlfollower.serving.config.FollowerConfig.Project;
import io.pgmlfollower.serving.config.FollowerConfig.SourceType;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads follower.yaml: environment substitution, unknown keys and bad values reported with the key
 * and the line, required keys checked before anything starts.
 */
public final class ConfigLoader {
  private final ObjectMapper mapper;
  private final YAMLFactory yaml = new YAMLFactory();
  private final EnvironmentSubstitution substitution;

  public ConfigLoader(Function<String, String> environment) {
    this.substitution =
        new EnvironmentSubstitution(requireNonNull(environment, "environment is null"));
    this.mapper =
        new ObjectMapper(yaml)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  /** Reads the process environment. */
  public static ConfigLoader withSystemEnvironment() {
    return new ConfigLoader(System::getenv);
  }

  public FollowerConfig load(Path file) {
    try (Reader reader = Files.newBufferedReader(file)) {
      return parse(reader, file.toString());
    } catch (NoSuchFileException e) {
      throw new ConfigException("", "configuration file not found: " + file);
    } catch (IOException e) {
      throw new ConfigException(
          "", "cannot read configuration file " + file + ": " + e.getMessage(), e);
    }
  }

  public FollowerConfig parse(String yamlText) {
    try {
      return parse(new StringReader(yamlText), "<config>");
    } catch (IOException e) {
      throw new ConfigException("", e.getMessage(), e);
    }
  }

  private FollowerConfig parse(Reader reader, String origin) throws IOException {
    FollowerConfig config;
    SubstitutingParser parser = new SubstitutingParser(yaml.createParser(reader), substitution);
    try (parser) {
      config = mapper.readValue(parser, FollowerConfig.class);
    } catch (UnrecognizedPropertyException e) {
      String key = ConfigLocations.key(e);
      Set<String> known =
          e.getKnownPropertyIds() == null
              ? Set.of()
              : e.getKnownPropertyIds().stream().map(String::valueOf).collect(Collectors.toSet());
      throw new ConfigException(
          key,
          "%s (line %d): unknown key; known keys here: %s"
              .formatted(key, line(e), String.join(", ", known.stream().sorted().toList())),
          e);
    } catch (InvalidFormatException e) {
      String key = ConfigLocations.key(e);
      String allowed = "";
      if (e.getTargetType() != null && e.getTargetType().isEnum()) {
        allowed =
            "; one of "
                + Arrays.stream(e.getTargetType().getEnumConstants())
                    .map(c -> enumName((Enum<?>) c))
                    .collect(Collectors.joining(", "));
      }
      String shown =
          parser.cameFromEnvironment(e.getValue())
              ? "(from the environment)"
              : "'" + e.getValue() + "'";
      throw new ConfigException(
          key, "%s (line %d): invalid value %s%s".formatted(key, line(e), shown, allowed), e);
    } catch (ConfigException e) {
      throw e;
    } catch (JsonMappingException e) {
      if (e.getCause() instanceof ConfigException ours) {
        // Our own error (an unset variable), wrapped by Jackson on its way out: as it was.
        throw ours;
      }
      String key = ConfigLocations.key(e);
      throw new ConfigException(
          key, "%s (line %d): %s".formatted(key, line(e), e.getOriginalMessage()), e);
    } catch (JsonProcessingException e) {
      throw new ConfigException(
          "",
          "%s: not valid YAML (line %d): %s".formatted(origin, line(e), e.getOriginalMessage()),
          e);
    }
    if (config == null) {
      throw new ConfigException("", origin + ": the configuration is empty");
    }
    validate(config);
    return config;
  }

  private static int line(JsonProcessingException e) {
    return e.getLocation() == null ? 0 : e.getLocation().getLineNr();
  }

  private static String enumName(Enum<?> constant) {
    try {
      JsonProperty property =
          constant.getDeclaringClass().getField(constant.name()).getAnnotation(JsonProperty.class);
      return property == null ? constant.name() : property.value();
    } catch (NoSuchFieldException e) {
      return constant.name();
    }
  }

  /** A Kafka Connect converter class on the class path (the Avro one comes as extra jars). */
  private static void requireConverter(String className, String key) {
    try {
      Class<?> type = Class.forName(className);
      if (!org.apache.kafka.connect.storage.Converter.class.isAssignableFrom(type)) {
        throw new ConfigException(
            key, key + ": " + className + " is not a Kafka Connect converter (Converter)");
      }
    } catch (ClassNotFoundException | LinkageError e) {
      throw new ConfigException(
          key,
          key
              + ": class "
              + className
              + " is not on the class path; put its jars in the follower's lib/ directory");
    }
  }

  private static void validate(FollowerConfig config) {
    if (config.source() == null) {
      throw new ConfigException(
          "source", "source: required section is missing (source.host, source.database, ...)");
    }
    FollowerConfig.Source source = config.source();
    if (source.type() == SourceType.KAFKA) {
      require(source.kafka(), "source.kafka");
      require(source.kafka().bootstrapServers(), "source.kafka.bootstrap-servers");
      require(source.kafka().topicPrefix(), "source.kafka.topic-prefix");
      requireConverter(source.kafka().keyConverter(), "source.kafka.key-converter");
      requireConverter(source.kafka().valueConverter(), "source.kafka.value-converter");
      if (source.kafka().applyThreads() < 1 || source.kafka().applyThreads() > 64) {
        throw new ConfigException(
            "source.kafka.apply-threads",
            "source.kafka.apply-threads: must be 1..64, got " + source.kafka().applyThreads());
      }
    } else {
      require(source.host(), "source.host");
      require(source.database(), "source.database");
      require(source.user(), "source.user");
      require(source.publication(), "source.publication");
    }
    if (source.debezium().heartbeatIntervalMs() < 1) {
      throw new ConfigException(
          "source.debezium.heartbeat-interval-ms",
          "source.debezium.heartbeat-interval-ms: must be at least 1, got "
              + source.debezium().heartbeatIntervalMs());
    }
    for (String property : source.debezium().properties().keySet()) {
      if (io.pgmlfollower.replicator.debezium.DebeziumSourceConfig.RESERVED.contains(property)) {
        throw new ConfigException(
            "source.debezium.properties." + property,
            "source.debezium.properties."
                + property
                + ": set by the follower itself (from the source keys and its own needs); remove it");
      }
    }
    if (source.port() < 1 || source.port() > 65535) {
      throw new ConfigException(
          "source.port", "source.port: must be 1..65535, got " + source.port());
    }
    if (source.publicationRefreshSeconds() < 1) {
      throw new ConfigException(
          "source.publication-refresh-seconds",
          "source.publication-refresh-seconds: must be at least 1, got "
              + source.publicationRefreshSeconds());
    }
    if (source.snapshotConnections() < 1 || source.snapshotConnections() > 64) {
      throw new ConfigException(
          "source.snapshot-connections",
          "source.snapshot-connections: must be 1..64, got " + source.snapshotConnections());
    }
    if (config.admin().readyMaxLagSeconds() > 0
        && config.source().type() != FollowerConfig.SourceType.PGOUTPUT) {
      throw new ConfigException(
          "admin.ready-max-lag-seconds",
          "admin.ready-max-lag-seconds: only source.type pgoutput measures its lag yet; remove it"
              + " for source.type "
              + config.source().type().name().toLowerCase(java.util.Locale.ROOT));
    }
    if (config.admin().readyMaxLagSeconds() < 0) {
      throw new ConfigException(
          "admin.ready-max-lag-seconds",
          "admin.ready-max-lag-seconds: must be 0 (no bound) or more, got "
              + config.admin().readyMaxLagSeconds());
    }
    require(config.store() == null ? null : config.store().path(), "store.path");
    if (config.store().online().blockCacheMb() < 1) {
      throw new ConfigException(
          "store.online.block-cache-mb",
          "store.online.block-cache-mb: must be at least 1, got "
              + config.store().online().blockCacheMb());
    }
    if (config.store().minFreeMb() < 0) {
      throw new ConfigException(
          "store.min-free-mb",
          "store.min-free-mb: must be 0 (no check) or more, got " + config.store().minFreeMb());
    }
    if (config.store().online().rowCacheMb() < 0) {
      throw new ConfigException(
          "store.online.row-cache-mb",
          "store.online.row-cache-mb: must be 0 (no row cache) or more, got "
              + config.store().online().rowCacheMb());
    }
    if (config.store().offline().type() == OfflineType.EXTERNAL) {
      require(config.store().offline().url(), "store.offline.url");
    }
    FollowerConfig.Serve serve = config.serve();
    if (serve.port() < 0 || serve.port() > 65535) {
      throw new ConfigException("serve.port", "serve.port: must be 0..65535, got " + serve.port());
    }
    if (serve.auth() != FollowerConfig.AuthMethod.TRUST && serve.users().isEmpty()) {
      throw new ConfigException(
          "serve.users",
          "serve.users: at least one user (name, password) is required when serve.auth is not"
              + " trust; there is no default password");
    }
    for (int i = 0; i < serve.users().size(); i++) {
      require(serve.users().get(i).name(), "serve.users[" + i + "].name");
      if (serve.auth() != FollowerConfig.AuthMethod.TRUST) {
        require(serve.users().get(i).password(), "serve.users[" + i + "].password");
      }
    }
    positive(serve.maxConnections(), "serve.max-connections");
    if (serve.maxMessageSizeMb() < 1 || serve.maxMessageSizeMb() > 1024) {
      throw new ConfigException(
          "serve.max-message-size-mb",
          "serve.max-message-size-mb: must be 1..1024, got " + serve.maxMessageSizeMb());
    }
    positive(serve.authenticationTimeoutSeconds(), "serve.authentication-timeout-seconds");
    if (serve.statementTimeoutSeconds() < 0) {
      throw new ConfigException(
          "serve.statement-timeout-seconds",
          "serve.statement-timeout-seconds: must be 0 (never) or more, got "
              + serve.statementTimeoutSeconds());
    }
    if (serve.idleSessionTimeoutSeconds() < 0) {
      throw new ConfigException(
          "serve.idle-session-timeout-seconds",
          "serve.idle-session-timeout-seconds: must be 0 (never) or more, got "
              + serve.idleSessionTimeoutSeconds());
    }
    if (serve.tls() != null) {
      require(serve.tls().cert(), "serve.tls.cert");
      require(serve.tls().key(), "serve.tls.key");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < config.projects().size(); i++) {
      Project project = config.projects().get(i);
      String prefix = "projects[" + i + "].";
      require(project.name(), prefix + "name");
      require(project.task(), prefix + "task");
      require(project.relation(), prefix + "relation");
      if (project.task().supervised()) {
        require(project.target(), prefix + "target");
      } else if (project.target() != null) {
        throw new ConfigException(
            prefix + "target",
            prefix
                + "target: a "
                + project.task().name().toLowerCase(java.util.Locale.ROOT)
                + " project learns from every column and takes no target; leave it out");
      }
      if (project.schedule() != null) {
        try {
          io.pgmlfollower.serving.schedule.CronSchedule.parse(project.schedule());
        } catch (IllegalArgumentException e) {
          throw new ConfigException(prefix + "schedule", prefix + "schedule: " + e.getMessage(), e);
        }
      }
      if (project.retrainAfterChanges() != null && project.retrainAfterChanges() < 1) {
        throw new ConfigException(
            prefix + "retrain-after-changes", prefix + "retrain-after-changes: must be at least 1");
      }
      if (!names.add(project.name())) {
        throw new ConfigException(
            prefix + "name", prefix + "name: project '" + project.name() + "' is listed twice");
      }
    }
  }

  private static void positive(int value, String key) {
    if (value < 1) {
      throw new ConfigException(key, key + ": must be at least 1, got " + value);
    }
  }

  private static void require(Object value, String key) {
    if (value == null || (value instanceof String s && s.isBlank())) {
      throw new ConfigException(key, key + ": required key is missing");
    }
  }
}
