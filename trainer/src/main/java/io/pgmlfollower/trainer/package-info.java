/**
 * PostgresML's {@code pgml.train}, {@code pgml.predict}, {@code pgml.predict_proba} and {@code
 * pgml.deploy} on Smile, with the model registry ({@code pgml.projects}, {@code pgml.snapshots},
 * {@code pgml.models}, {@code pgml.files}, {@code pgml.deployments}) in the offline PostgreSQL.
 *
 * <p>Semantics follow PostgresML (pgml-extension {@code src/api.rs}): features are every column of
 * the relation but the target, in table order; a project's first training needs task, relation and
 * target, later ones reuse them; a new model is deployed automatically unless the deployed one
 * scores strictly better on the key metric (r2 for regression, f1 for classification). Differences:
 * each training reads the relation afresh (a follower's data moves) instead of reusing the last
 * snapshot's rows; the split seed is recorded on the snapshot so that the same rows give the same
 * model; {@code xgboost} trains with XGBoost4J and predicts by walking its JSON model's trees.
 *
 * <p>Entry point: {@link io.pgmlfollower.trainer.Trainer}.
 */
package io.pgmlfollower.trainer;
