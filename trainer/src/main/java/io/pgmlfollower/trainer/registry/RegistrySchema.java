package io.pgmlfollower.trainer.registry;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The model registry's tables in the offline store, named and shaped like PostgresML's ({@code
 * pgml-extension/sql/schema.sql}) so that {@code SELECT * FROM pgml.models} reads the same. Task,
 * strategy and sampling are {@code text} with CHECK constraints instead of PostgresML's enum types,
 * so that new values need no type migration; timestamps are {@code timestamptz}.
 */
public final class RegistrySchema {
  public static final String SCHEMA = "pgml";

  /** Serializes concurrent initializations: CREATE ... IF NOT EXISTS races on the catalog. */
  private static final long INITIALIZE_LOCK = 0x70676d6c5f726567L; // "pgml_reg"

  private static final List<String> TABLES =
      List.of("projects", "snapshots", "models", "files", "deployments");

  private static final List<String> DDL =
      List.of(
          "CREATE SCHEMA IF NOT EXISTS pgml",
          """
          CREATE TABLE IF NOT EXISTS pgml.projects (
            id bigserial PRIMARY KEY,
            name text NOT NULL UNIQUE,
            task text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
          )""",
          """
          CREATE TABLE IF NOT EXISTS pgml.snapshots (
            id bigserial PRIMARY KEY,
            relation_name text NOT NULL,
            y_column_name text[] NOT NULL,
            test_size real NOT NULL,
            test_sampling text NOT NULL,
            status text NOT NULL,
            columns jsonb,
            num_rows bigint,
            source_lsn text NULL,
            seed bigint NOT NULL,
            created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
          )""",
          """
          CREATE TABLE IF NOT EXISTS pgml.models (
            id bigserial PRIMARY KEY,
            project_id bigint NOT NULL REFERENCES pgml.projects(id) ON DELETE CASCADE,
            snapshot_id bigint REFERENCES pgml.snapshots(id) ON DELETE SET NULL,
            num_features integer NOT NULL,
            algorithm text NOT NULL,
            runtime text NOT NULL DEFAULT 'java',
            hyperparams jsonb NOT NULL DEFAULT '{}',
            status text NOT NULL CHECK (status IN ('in_progress', 'successful', 'failed')),
            metrics jsonb,
            search text,
            search_params jsonb NOT NULL DEFAULT '{}',
            search_args jsonb NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
          )""",
          "CREATE INDEX IF NOT EXISTS models_project_id_idx ON pgml.models (project_id)",
          """
          CREATE TABLE IF NOT EXISTS pgml.files (
            id bigserial PRIMARY KEY,
            model_id bigint NOT NULL REFERENCES pgml.models(id) ON DELETE CASCADE,
            path text NOT NULL,
            part integer NOT NULL,
            created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            data bytea NOT NULL,
            UNIQUE (model_id, path, part)
          )""",
          """
          CREATE TABLE IF NOT EXISTS pgml.deployments (
            id bigserial PRIMARY KEY,
            project_id bigint NOT NULL REFERENCES pgml.projects(id) ON DELETE CASCADE,
            model_id bigint NOT NULL REFERENCES pgml.models(id) ON DELETE CASCADE,
            strategy text NOT NULL CHECK (strategy IN
              ('best_score', 'most_recent', 'rollback', 'new_score', 'specific')),
            created_at timestamptz NOT NULL DEFAULT clock_timestamp()
          )""",
          "CREATE INDEX IF NOT EXISTS deployments_project_id_idx"
              + " ON pgml.deployments (project_id, id DESC)",
          // Training snapshots are immutable copies (pgml.snapshot_<id>); registries created
          // before they were gain the columns that say where a copy is and what it was taken of.
          "ALTER TABLE pgml.snapshots ADD COLUMN IF NOT EXISTS relation_schema text",
          // The sampling values, stratified included (an older registry allowed random, last).
          "ALTER TABLE pgml.snapshots DROP CONSTRAINT IF EXISTS snapshots_test_sampling_check",
          "ALTER TABLE pgml.snapshots ADD CONSTRAINT snapshots_test_sampling_check"
              + " CHECK (test_sampling IN ('random', 'last', 'stratified'))",
          // Every candidate of a hyperparameter search, in scikit-learn's cv_results_ shape.
          "ALTER TABLE pgml.models ADD COLUMN IF NOT EXISTS search_results jsonb",
          "ALTER TABLE pgml.snapshots ADD COLUMN IF NOT EXISTS relation_table text",
          "ALTER TABLE pgml.snapshots ADD COLUMN IF NOT EXISTS snapshot_table text",
          "ALTER TABLE pgml.snapshots ADD COLUMN IF NOT EXISTS size_bytes bigint",
          // Registries created before clustering and decomposition checked for the first two.
          "ALTER TABLE pgml.projects DROP CONSTRAINT IF EXISTS projects_task_check",
          "ALTER TABLE pgml.projects ADD CONSTRAINT projects_task_check CHECK (task IN"
              + " ('regression', 'classification', 'clustering', 'decomposition'))");

  private RegistrySchema() {}

  /** Creates the schema and tables that are missing; safe to call concurrently and repeatedly. */
  public static void create(Connection connection) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      statement.execute("SELECT pg_advisory_xact_lock(" + INITIALIZE_LOCK + ")");
      for (String ddl : DDL) {
        statement.execute(ddl);
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  /** The registry tables, schema-qualified, e.g. {@code pgml.models}. */
  public static List<String> tables() {
    return TABLES.stream().map(table -> SCHEMA + "." + table).toList();
  }
}
