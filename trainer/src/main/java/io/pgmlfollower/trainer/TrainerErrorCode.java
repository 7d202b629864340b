package io.pgmlfollower.trainer;

/**
 * Trainer error codes, each with the SQLSTATE a client sees when the error reaches the endpoint.
 *
 * <p>SQLSTATEs are chosen from PostgreSQL's table of error codes
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html) so that clients and drivers
 * classify them the way they would classify the same mistake made against PostgreSQL itself.
 * PostgresML raises all of these as {@code XX000} ("internal error"), which tells the user nothing;
 * we pick the closest real class instead.
 */
public enum TrainerErrorCode {
  /**
   * No project of that name. {@code 42704 undefined_object} is what PostgreSQL raises for any named
   * object that does not exist and has no dedicated code (types, roles, extensions...).
   */
  UNKNOWN_PROJECT("42704"),
  /** A {@code pgml.deploy(model_id)} or a registry row names a model that does not exist. */
  UNKNOWN_MODEL("42704"),
  /**
   * The project exists but has no deployed model (all trainings failed or ran with {@code
   * automatic_deploy => false}). {@code 55000 object_not_in_prerequisite_state}: the object exists
   * but is not ready for the operation.
   */
  NO_DEPLOYED_MODEL("55000"),
  /** The feature vector does not have one value per feature column. */
  WRONG_FEATURE_COUNT("22023"),
  /** A {@code pgml.drop_snapshot(id)} names a snapshot that does not exist. */
  UNKNOWN_SNAPSHOT("42704"),
  /**
   * Retraining without a relation would reuse the project's last snapshot, whose copy was dropped:
   * {@code 55000 object_not_in_prerequisite_state}.
   */
  SNAPSHOT_DROPPED("55000"),
  /** The relation to train on does not exist. */
  UNKNOWN_RELATION("42P01"),
  /** The target column (or a column the model was trained on) does not exist. */
  UNKNOWN_COLUMN("42703"),
  /** The algorithm name is not one of those available for the task. */
  UNKNOWN_ALGORITHM("22023"),
  /** A hyperparameter is unknown to the algorithm or has a value it cannot take. */
  INVALID_HYPERPARAMETER("22023"),
  /** Any other argument with a value outside its domain (test_size, test_sampling, strategy...). */
  INVALID_ARGUMENT("22023"),
  /** A column has a type the trainer cannot use yet (text features, arrays, dates...). */
  UNSUPPORTED_COLUMN_TYPE("0A000"),
  /**
   * The first {@code pgml.train} of a project must say which task it is. {@code 22004
   * null_value_not_allowed}: the argument was NULL or omitted where a value is required.
   */
  TASK_REQUIRED("22004"),
  /** The first {@code pgml.train} of a project must name a relation and its target column. */
  RELATION_REQUIRED("22004"),
  /** A feature or target value is NULL (or NaN) and no imputation is configured. */
  NULL_VALUE("22004"),
  /**
   * The data cannot train a model: too few rows for the split, a single class, a singular system...
   * {@code 22000 data_exception}: the cause is in the data, not in the server.
   */
  TRAINING_FAILED("22000"),
  /** The caller cancelled the training (a CancelRequest, a statement timeout). */
  CANCELLED("57014"),
  /** The offline store failed underneath (connection lost, I/O). */
  OFFLINE_STORE_FAILURE("58000"),
  /** A stored model cannot be loaded (corrupt file, rejected class). A bug or tampering. */
  INTERNAL("XX000");

  private final String sqlState;

  TrainerErrorCode(String sqlState) {
    this.sqlState = sqlState;
  }

  public String sqlState() {
    return sqlState;
  }
}
