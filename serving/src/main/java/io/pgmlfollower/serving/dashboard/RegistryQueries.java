package io.pgmlfollower.serving.dashboard;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The model registry as the dashboard shows it: projects with their deployed model, and a project's
 * models with their metrics. Read as the client role, which reads the registry and never writes it.
 */
final class RegistryQueries {
  /** The deployment in force: a project's latest. */
  private static final String DEPLOYED =
      "LEFT JOIN LATERAL (SELECT model_id FROM pgml.deployments d"
          + " WHERE d.project_id = p.id ORDER BY d.id DESC LIMIT 1) deployed ON true";

  private final DataSource dataSource;

  RegistryQueries(DataSource dataSource) {
    this.dataSource = requireNonNull(dataSource, "dataSource is null");
  }

  /**
   * @param metrics the deployed model's metrics, as JSON text (null when none is deployed)
   */
  record Project(
      String name,
      String task,
      long models,
      Long deployedModel,
      String deployedAlgorithm,
      String metrics,
      String createdAt) {}

  /**
   * @param metrics JSON text
   * @param hyperparams JSON text
   */
  record Model(
      long id,
      String algorithm,
      String status,
      String metrics,
      String hyperparams,
      String search,
      String createdAt,
      boolean deployed) {}

  List<Project> projects() throws SQLException {
    String sql =
        "SELECT p.name, p.task, (SELECT count(*) FROM pgml.models m WHERE m.project_id = p.id),"
            + " deployed.model_id, dm.algorithm, dm.metrics::text, p.created_at::text"
            + " FROM pgml.projects p "
            + DEPLOYED
            + " LEFT JOIN pgml.models dm ON dm.id = deployed.model_id ORDER BY p.name";
    List<Project> projects = new ArrayList<>();
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        long deployed = rs.getLong(4);
        projects.add(
            new Project(
                rs.getString(1),
                rs.getString(2),
                rs.getLong(3),
                rs.wasNull() ? null : deployed,
                rs.getString(5),
                rs.getString(6),
                rs.getString(7)));
      }
    }
    return projects;
  }

  /** A project's models, oldest first; empty when there is no such project. */
  List<Model> models(String project) throws SQLException {
    String sql =
        "SELECT m.id, m.algorithm, m.status, m.metrics::text, m.hyperparams::text, m.search,"
            + " m.created_at::text, m.id IS NOT DISTINCT FROM deployed.model_id"
            + " FROM pgml.projects p "
            + DEPLOYED
            + " JOIN pgml.models m ON m.project_id = p.id WHERE p.name = ? ORDER BY m.id";
    List<Model> models = new ArrayList<>();
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, requireNonNull(project, "project is null"));
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          models.add(
              new Model(
                  rs.getLong(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getBoolean(8)));
        }
      }
    }
    return models;
  }
}
