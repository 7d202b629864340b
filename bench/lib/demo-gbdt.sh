# Sourced by bench/serving and bench/soak: starts the demo (bench/lib/demo.sh), adds public.gbdt
# ($ROWS rows: id + 9 features + a label) to its source's publication, waits for it on the
# follower, and trains the 25-tree gradient-boosted model `gbdt` (xgboost, depth 6) there. Defines
# what bench/lib/demo.sh does, and FEATURES; writes $work/accuracy and $work/model.json (the
# deployed model's XGBoost JSON). Needs: work, PORT, ROWS, log.

# shellcheck source=bench/lib/demo.sh
source "$(dirname "${BASH_SOURCE[0]}")/demo.sh"

FEATURES="id, f1, f2, f3, f4, f5, f6, f7, f8, f9"
log "adding public.gbdt ($ROWS rows, 10 features) to the source's publication"
source_sql <<SQL
CREATE TABLE public.gbdt (id integer PRIMARY KEY, f1 float8, f2 float8, f3 float8, f4 float8,
  f5 float8, f6 float8, f7 float8, f8 float8, f9 float8, label integer);
SELECT setseed(0.42);
INSERT INTO public.gbdt
SELECT i, a, b, c, d, e, random(), random(), random(), random(),
       (a + 2 * b - c + (d * e) + 0.3 * random() > 1.6)::int
FROM (SELECT i, random() a, random() b, random() c, random() d, random() e
      FROM generate_series(1, $ROWS) i) s;
GRANT SELECT ON public.gbdt TO follower;
ALTER PUBLICATION pgml_pub ADD TABLE public.gbdt;
SQL
for _ in $(seq 1 600); do
  [ "$(follower_sql -c 'SELECT count(*) FROM public.gbdt' 2>/dev/null || true)" = "$ROWS" ] && break
  sleep 0.5
done
[ "$(follower_sql -c 'SELECT count(*) FROM public.gbdt')" = "$ROWS" ] || { log "gbdt did not replicate"; exit 1; }

log "training a 25-tree gradient-boosted model (xgboost, depth 6) on the follower"
follower_sql -c "SELECT * FROM pgml.train('gbdt', 'classification', 'public.gbdt', 'label',
  algorithm => 'xgboost', hyperparams => '{\"n_estimators\": 25, \"max_depth\": 6}')" > /dev/null
follower_sql -c "SELECT metrics->>'accuracy' FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'gbdt'" > "$work/accuracy"
follower_sql -c "SELECT convert_from(f.data, 'UTF8') FROM pgml.files f
  JOIN pgml.deployments d ON d.model_id = f.model_id JOIN pgml.projects p ON p.id = d.project_id
  WHERE p.name = 'gbdt' AND f.path = 'estimator.ser' ORDER BY d.id DESC LIMIT 1" > "$work/model.json"
