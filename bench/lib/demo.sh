# Sourced by the bench scripts: starts `bin/pgml-follower demo` on port $PORT (its pid in demo_pid,
# for the caller's cleanup; $PGML_FOLLOWER_JAVA_OPTS passes through) and defines source_sql and
# follower_sql (psql to each), SOURCE_PORT and SOURCE_PASSWORD. Needs: work, PORT, log.

log "starting bin/pgml-follower demo --port $PORT"
bin/pgml-follower demo --port "$PORT" > "$work/demo.out" 2> "$work/demo.err" &
demo_pid=$!
for _ in $(seq 1 600); do
  grep -q "Ctrl-C" "$work/demo.out" 2>/dev/null && break
  kill -0 "$demo_pid" 2>/dev/null || { tail -20 "$work/demo.err" >&2; exit 1; }
  sleep 0.5
done
grep -q "Ctrl-C" "$work/demo.out" || { log "demo did not start"; exit 1; }

source_line=$(grep -- "-U postgres" "$work/demo.out")
SOURCE_PASSWORD=$(sed -E 's/.*PGPASSWORD=([^ ]+).*/\1/' <<< "$source_line")
SOURCE_PORT=$(sed -E 's/.* -p ([0-9]+) .*/\1/' <<< "$source_line")
source_sql() { PGPASSWORD=$SOURCE_PASSWORD psql -X -q -At -h 127.0.0.1 -p "$SOURCE_PORT" -U postgres -d demo -v ON_ERROR_STOP=1 "$@"; }
follower_sql() { PGPASSWORD=demo psql -X -q -At -h 127.0.0.1 -p "$PORT" -U demo -d demo -v ON_ERROR_STOP=1 "$@"; }
