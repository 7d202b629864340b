#!/bin/bash
# Runs once, when the source's data directory is created (docker-entrypoint-initdb.d): sample data,
# the role Debezium connects as (REPLICATION, SELECT on the published tables), the publication.
set -euo pipefail
# A quoted heredoc: nothing in it is expanded by the shell; the password goes in as a psql
# variable, quoted as a literal by psql (:'password').
psql -v ON_ERROR_STOP=1 -v password="$DEBEZIUM_PASSWORD" \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'

CREATE TABLE public.customers (
  id serial PRIMARY KEY,
  age int NOT NULL,
  income numeric(10,2) NOT NULL,
  visits int NOT NULL,
  churned int NOT NULL              -- 1 churned, 0 stayed
);
-- Deterministic sample: churn is more likely for few visits and low income.
INSERT INTO public.customers (age, income, visits, churned)
SELECT 18 + (g * 37) % 60,
       20000 + ((g * 7919) % 80000),
       (g * 13) % 40,
       CASE WHEN ((g * 13) % 40) < 8 AND ((g * 7919) % 80000) < 45000 THEN 1 ELSE 0 END
FROM generate_series(1, 5000) g;
CREATE ROLE debezium LOGIN REPLICATION PASSWORD :'password';
GRANT SELECT ON public.customers TO debezium;
CREATE PUBLICATION pgml_pub FOR TABLE public.customers;
SQL
