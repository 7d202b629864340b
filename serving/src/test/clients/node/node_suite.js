// node-postgres against the follower's endpoint. Connection settings come from the PG* environment
// variables; FEATURES is a JSON list of feature vectors. node-postgres sends every parameter as
// text with type OID 0 (unknown): the server infers the types, as PostgreSQL does. Prints one JSON
// object; the Java test (ClientsIT) compares it with pgjdbc's answers.
const { Client } = require('pg');

const features = JSON.parse(process.env.FEATURES);

async function main() {
  const client = new Client();
  await client.connect();
  const out = {};
  out.unnamed = [];
  for (const f of features) {
    const result = await client.query('SELECT pgml.predict($1, $2) AS p', ['bc', f]);
    out.unnamed.push(result.rows[0].p);
  }
  out.named = [];
  for (const f of features) {
    const result = await client.query({
      name: 'predict_bc',
      text: 'SELECT pgml.predict($1, $2) AS p',
      values: ['bc', f],
    });
    out.named.push(result.rows[0].p);
  }
  const multi = await client.query('SELECT 1 AS one; SELECT count(*)::int AS n FROM public.breast_cancer');
  out.multi = multi.map((r) => r.rows[0]);
  const rows = await client.query('SELECT id FROM public.breast_cancer WHERE id = $1', [features[0][0]]);
  out.lookup = rows.rows.map((r) => r.id);
  try {
    await client.query('SELECT pgml.predict($1, $2) AS p', ['bc', [1, 2]]);
  } catch (e) {
    out.wrong_feature_count = e.code;
  }
  await client.end();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
