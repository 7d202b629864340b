package io.pgmlfollower.serving.dashboard;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.replicator.ReplicationStatus;
import io.pgmlfollower.serving.sql.ModelService;
import io.pgmlfollower.trainer.TrainingProgress;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard: its page at {@code /} and the JSON it reads under {@code /api/}. Both ask for HTTP
 * Basic credentials, the endpoint's users' ({@code serve.users}): the data explorer shows rows.
 *
 * <pre>
 * GET /api/replication                     the source's status (pgml.replication_status())
 * GET /api/projects                        projects with their deployed model
 * GET /api/projects/:name/models           a project's models with metrics, oldest first
 * GET /api/tables                          relations the client role reads
 * GET /api/tables/:schema/:name            columns with statistics, and sample rows
 * POST /api/projects/:name/deploy          {"strategy": "rollback"} or {"model": 12}: pgml.deploy
 * </pre>
 *
 * Queries run as the client role, off the event loop. A deploy goes through the same service as
 * {@code pgml.deploy} (the endpoint's model cache sees it), and needs the header {@code
 * X-Requested-By: pgml-follower} besides the credentials: a browser sends remembered Basic
 * credentials with a form another site posts, but cannot add a header to it without asking this
 * server first (CORS), which it never allows.
 */
public final class DashboardApi {
  private static final Logger log = LoggerFactory.getLogger(DashboardApi.class);

  /** Where the page's files are, on the class path. */
  static final String WEB_ROOT = "pgml-follower-dashboard";

  private final Vertx vertx;
  private final Supplier<ReplicationStatus> replication;
  private final Supplier<List<TrainingProgress.Running>> training;
  private final RegistryQueries registry;
  private final TableExplorer tables;
  private final Map<String, byte[]> passwords;
  private final boolean trust;
  private final ModelService models;
  private final ObjectMapper json =
      new ObjectMapper()
          .registerModule(new Jdk8Module())
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  /**
   * @param clientDataSource connections as the offline store's client role
   * @param users the endpoint's user names and passwords
   * @param trust whether the endpoint trusts a user's name (serve.auth: trust): the dashboard then
   *     does not check passwords either
   */
  public DashboardApi(
      Vertx vertx,
      Supplier<ReplicationStatus> replication,
      Supplier<List<TrainingProgress.Running>> training,
      DataSource clientDataSource,
      Map<String, String> users,
      boolean trust,
      ModelService models) {
    this.trust = trust;
    this.models = requireNonNull(models, "models is null");
    this.vertx = requireNonNull(vertx, "vertx is null");
    this.replication = requireNonNull(replication, "replication is null");
    this.training = requireNonNull(training, "training is null");
    this.registry = new RegistryQueries(clientDataSource);
    this.tables = new TableExplorer(clientDataSource);
    this.passwords = new java.util.HashMap<>();
    requireNonNull(users, "users is null").forEach((u, p) -> passwords.put(u, p.getBytes(UTF_8)));
  }

  /** Adds the page and its API to the admin router. */
  public void mount(Router router) {
    router.route("/api/*").handler(this::authenticate);
    router.route("/").handler(this::authenticate);
    router.route("/index.html").handler(this::authenticate);
    router.get("/api/replication").handler(c -> answer(c, replication::get));
    router.get("/api/projects").handler(c -> answer(c, registry::projects));
    router.get("/api/training").handler(c -> answer(c, training::get));
    router
        .get("/api/projects/:name/models")
        .handler(c -> answer(c, () -> registry.models(c.pathParam("name"))));
    router.get("/api/tables").handler(c -> answer(c, tables::relations));
    router
        .post("/api/projects/:name/deploy")
        .handler(BodyHandler.create(false).setBodyLimit(4096)); // no file uploads
    router.post("/api/projects/:name/deploy").handler(this::deploy);
    router
        .get("/api/tables/:schema/:name")
        .handler(
            c ->
                answer(
                    c,
                    () ->
                        tables
                            .detail(c.pathParam("schema"), c.pathParam("name"))
                            .map(Object.class::cast)
                            .orElse(NOT_FOUND)));
    router.route("/*").handler(StaticHandler.create(WEB_ROOT).setCachingEnabled(false));
  }

  private static final Object NOT_FOUND = new Object();

  private void authenticate(RoutingContext context) {
    // Never inside another site's frame: its clicks would carry this page's credentials.
    context
        .response()
        .putHeader("Content-Security-Policy", "frame-ancestors 'none'")
        .putHeader("X-Frame-Options", "DENY");
    if (trust && passwords.isEmpty()) {
      context.next(); // serve.auth: trust with no users: the endpoint lets anyone in too
      return;
    }
    String header = context.request().getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), UTF_8);
        int colon = decoded.indexOf(':');
        if (colon > 0) {
          byte[] expected = passwords.get(decoded.substring(0, colon));
          byte[] given = decoded.substring(colon + 1).getBytes(UTF_8);
          if (expected != null && (trust || MessageDigest.isEqual(expected, given))) {
            context.next();
            return;
          }
        }
      } catch (IllegalArgumentException e) {
        log.debug("Malformed Basic credentials", e);
      }
    }
    context
        .response()
        .setStatusCode(401)
        .putHeader("WWW-Authenticate", "Basic realm=\"pgml-follower\", charset=\"UTF-8\"")
        .putHeader("content-type", "text/plain")
        .end("sign in with an endpoint user (serve.users)\n");
  }

  /** The header a deploy must carry (see the class comment). */
  static final String REQUESTED_BY = "X-Requested-By";

  private void deploy(RoutingContext context) {
    if (!"pgml-follower".equals(context.request().getHeader(REQUESTED_BY))) {
      context
          .response()
          .setStatusCode(403)
          .putHeader("content-type", "application/json")
          .end(error("a deploy needs the header " + REQUESTED_BY + ": pgml-follower"));
      return;
    }
    String project = context.pathParam("name");
    io.vertx.core.json.JsonObject body;
    try {
      body = context.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null
        || (body.getValue("model") == null) == (body.getValue("strategy") == null)
        || (body.getValue("model") != null
            && !(body.getValue("model") instanceof Integer
                || body.getValue("model") instanceof Long))
        || (body.getValue("strategy") != null && !(body.getValue("strategy") instanceof String))) {
      context
          .response()
          .setStatusCode(400)
          .putHeader("content-type", "application/json")
          .end(
              error("send {\"strategy\": \"best_score|most_recent|rollback\"} or {\"model\": id}"));
      return;
    }
    Object model = body.getValue("model");
    String strategy = (String) body.getValue("strategy");
    vertx
        .executeBlocking(
            () -> {
              if (model != null) {
                // Deploy by id only a model of the project in the URL.
                long id = ((Number) model).longValue();
                if (registry.models(project).stream().noneMatch(m -> m.id() == id)) {
                  throw new PgWireException(
                      io.pgmlfollower.pgwire.spi.SqlState.INVALID_PARAMETER_VALUE,
                      "model " + id + " is not a model of project '" + project + "'");
                }
                return models.deploy(id);
              }
              return models.deploy(project, strategy, null);
            },
            false)
        .onComplete(
            result -> {
              if (result.succeeded()) {
                log.info("Dashboard deploy in project {}: {}", project, result.result());
                try {
                  context
                      .response()
                      .putHeader("content-type", "application/json")
                      .end(json.writeValueAsString(result.result()));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                  context.fail(e);
                }
              } else if (result.cause() instanceof PgWireException refused) {
                context
                    .response()
                    .setStatusCode(409)
                    .putHeader("content-type", "application/json")
                    .end(error(refused.getMessage(), refused.sqlState().code()));
              } else {
                log.warn("Dashboard deploy in project {} failed", project, result.cause());
                context
                    .response()
                    .setStatusCode(500)
                    .putHeader("content-type", "application/json")
                    .end(error(String.valueOf(result.cause().getMessage())));
              }
            });
  }

  private void answer(RoutingContext context, Callable<?> query) {
    // Unordered: requests share the event loop's context, and an ordered blocking task would make
    // a slow explorer query hold up every other admin request (scrapes included).
    vertx
        .executeBlocking(query, false)
        .onComplete(
            result -> {
              if (result.failed()) {
                log.warn("Dashboard query {} failed", context.request().path(), result.cause());
                context
                    .response()
                    .setStatusCode(500)
                    .putHeader("content-type", "application/json")
                    .end(error(String.valueOf(result.cause().getMessage())));
              } else if (result.result() == NOT_FOUND) {
                context
                    .response()
                    .setStatusCode(404)
                    .putHeader("content-type", "application/json")
                    .end(error("no such table"));
              } else {
                try {
                  context
                      .response()
                      .putHeader("content-type", "application/json")
                      .putHeader("cache-control", "no-store")
                      .end(json.writeValueAsString(result.result()));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                  context.fail(e);
                }
              }
            });
  }

  private String error(String message) {
    return error(message, null);
  }

  private String error(String message, String sqlState) {
    try {
      return json.writeValueAsString(
          sqlState == null
              ? Map.of("error", message)
              : Map.of("error", message, "sqlstate", sqlState));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return "{\"error\":\"internal\"}";
    }
  }
}
