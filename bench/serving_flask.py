"""The Python microservice PostgresML's serving benchmark compares with: Flask under gunicorn,
each request reading the row's features from PostgreSQL by primary key (psycopg) and predicting
with XGBoost (Debian's python3-flask, gunicorn, python3-psycopg, python3-xgboost).

    MODEL=model.json PGDSN='host=127.0.0.1 port=5432 ...' TABLE=public.gbdt \
      gunicorn -w 2 -b 127.0.0.1:8765 --chdir bench serving_flask:app

GET /predict?id=N answers {"prediction": p} for the row with that id, 404 when there is none.
The model is the follower's own: its XGBoost JSON model file, read from pgml.files.
"""

import os

import numpy as np
import psycopg
import xgboost
from flask import Flask, abort, jsonify, request

FEATURES = os.environ.get("FEATURES", "id,f1,f2,f3,f4,f5,f6,f7,f8,f9").split(",")
TABLE = os.environ.get("TABLE", "public.gbdt")

app = Flask(__name__)
booster = xgboost.Booster(model_file=os.environ["MODEL"])
booster.set_param({"nthread": 1})  # one request, one row: threads only add overhead
# One connection per worker process (gunicorn forks after import; psycopg connects lazily below).
connection = None
QUERY = "SELECT {} FROM {} WHERE id = %s".format(", ".join(FEATURES), TABLE)


def features(row_id):
    global connection
    if connection is None:
        connection = psycopg.connect(os.environ["PGDSN"], autocommit=True)
    with connection.cursor() as cursor:
        cursor.execute(QUERY, (row_id,), prepare=True)
        return cursor.fetchone()


@app.get("/predict")
def predict():
    row = features(int(request.args["id"]))
    if row is None:
        abort(404)
    x = np.asarray([row], dtype=np.float32)
    return jsonify(prediction=float(booster.inplace_predict(x)[0]))
