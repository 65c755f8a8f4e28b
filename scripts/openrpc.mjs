#!/usr/bin/env node
// Writes docs/openrpc.json (client port) and docs/openrpc-admin.json (admin port) from the code,
// the same documents `relayer api` serves at GET /openrpc.json. Run after `npm run build` whenever a
// method or schema changes; test/api/openrpc.test.ts fails while the copies are stale.
import { writeFileSync } from 'node:fs';

const { openrpcDocuments } = await import(new URL('../dist/src/api/openrpc.js', import.meta.url).href);
const docs = openrpcDocuments();
for (const [name, file] of [
  ['client', 'openrpc.json'],
  ['admin', 'openrpc-admin.json'],
]) {
  writeFileSync(new URL(`../docs/${file}`, import.meta.url), `${JSON.stringify(docs[name], null, 2)}\n`);
  process.stderr.write(`wrote docs/${file} (${docs[name].methods.length} methods)\n`);
}
