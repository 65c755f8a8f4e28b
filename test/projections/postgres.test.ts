// The PostgreSQL read model against a real database: a seeded run of 10 000 commands caught up
// with COPY equals a recomputation from the events and the engine's final state; live batches
// (INSERT transactions) keep it equal; migrations are versioned and a newer schema is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { migrate, SchemaTooNewError } from '../../src/projections/postgres/model.js';
import { SCHEMA_VERSION } from '../../src/projections/postgres/migrations.js';
import { PG_TYPE_NAMES, TABLES } from '../../src/projections/postgres/tables.js';
import { catchUp, moreWork, pgModel, projector, reached, seeded } from './helpers.js';
import { dropSchema, needPg, uniqueName } from '../helpers/services.js';
import { checkPostgres, readLog } from './verify.js';

test('postgres: catch-up of a 10 000-command run equals the events and the engine state; live batches keep it so', async (t) => {
  const url = await needPg(t);
  if (url === null) return;
  const schema = uniqueName('pg');
  t.after(() => dropSchema(url, schema));
  const { store, lastSeq } = await seeded(t, 10_000, 11);
  assert.ok(lastSeq > 20_000);

  const p = await catchUp(pgModel(url, schema), store, { batchSize: 4000 });
  assert.equal(p.committed?.seq, lastSeq);
  assert.equal(p.events, lastSeq);
  await checkPostgres(url, schema, await readLog(store));

  // live: small batches while the engine keeps committing
  const model = pgModel(url, schema);
  const live = projector(model, store, { pollMs: 5 });
  const running = live.run();
  const last = await moreWork(store, 600, 12, 20, 10);
  await reached(live, last);
  live.stop();
  await running;
  await model.close();
  assert.ok(model.inserts > 5, `live batches written with INSERT: ${model.inserts} (and ${model.copies} with COPY)`);
  await checkPostgres(url, schema, await readLog(store));

  // a restart with nothing new applies nothing
  const again = await catchUp(pgModel(url, schema), store);
  assert.equal(again.events, 0);
});

test('postgres: migrations are versioned; a schema from a newer binary is refused', async (t) => {
  const url = await needPg(t);
  if (url === null) return;
  const schema = uniqueName('mig');
  t.after(() => dropSchema(url, schema));
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    assert.equal(await migrate(c, schema), SCHEMA_VERSION);
    assert.equal(await migrate(c, schema), SCHEMA_VERSION, 'applying again changes nothing');
    // the tables the migrations create are the ones rows.ts fills, column for column, type for
    // type, plus the market every row names (its default, V3)
    for (const spec of TABLES) {
      const cols = await c.query(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
        [schema, spec.name],
      );
      assert.deepEqual(
        cols.rows.map((r: { column_name: string; data_type: string }) => [r.column_name, r.data_type]),
        [...spec.columns.map((col, i) => [col, PG_TYPE_NAMES[spec.types[i]!]]), ['market', 'text']],
        `columns of ${spec.name}`,
      );
    }
    const market = await c.query(
      `SELECT column_default FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'orders' AND column_name = 'market'`,
      [schema],
    );
    assert.equal(market.rows[0].column_default, "'BTC-USD'::text", 'a schema migrated without a market holds BTC-USD');
    const versions = await c.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    assert.deepEqual(
      versions.rows.map((r: { version: number }) => r.version),
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
    await c.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES ($1, 'from the future')`, [SCHEMA_VERSION + 1]);
    await assert.rejects(migrate(c, schema), SchemaTooNewError);
  } finally {
    await c.end();
  }
  // the projector stops with that error instead of retrying
  const { store } = await seeded(t, 50, 3);
  await assert.rejects(catchUp(pgModel(url, schema), store), /newer than this relayer knows/);
});
