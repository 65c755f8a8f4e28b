// The one command table (src/engine/command-table.ts) against its two readers: the engine's parser
// and the gateway's zod checks built from it. Properties over generated bodies: whatever the
// gateway's field checks accept, the engine's parser accepts too (the gateway is never looser),
// and a parsed command holds exactly the table's fields, in the table's order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { WRITE_SCHEMAS } from '../../src/api/schemas.js';
import { ADMIN_WRITES, CLIENT_WRITES } from '../../src/api/writes.js';
import { COMMAND_TABLE, COMMAND_TYPES, parseEnvelope, type CommandType, type FieldSpec } from '../../src/engine/index.js';

const fieldsOf = (t: CommandType): readonly FieldSpec[] => (COMMAND_TABLE[t] as { fields: readonly FieldSpec[] }).fields;
const classOf = (t: CommandType): string => (COMMAND_TABLE[t] as { class: string }).class;

/** Values a field may get: good ones of its kind, edge values of every bound, and wrong types. */
function valuesFor(f: FieldSpec): fc.Arbitrary<unknown> {
  const wrong = fc.constantFrom<unknown>(undefined, null, 'x', '', true, -1, 0, 1e16, [], {});
  switch (f.kind) {
    case 'num':
      return fc.oneof(fc.constantFrom(-f.max, f.max, f.max * 1.0001, 0, -0.5, 0.5), fc.double({ min: -f.max, max: f.max, noNaN: true }), wrong);
    case 'id':
      return fc.oneof(fc.string({ minLength: 1, maxLength: 130 }), wrong);
    case 'bool':
      return fc.oneof(fc.boolean(), wrong);
    case 'enum':
      return fc.oneof(fc.constantFrom(...f.values), wrong);
    case 'text':
      return fc.oneof(fc.string(), wrong);
    case 'legs':
      return fc.oneof(fc.record({ sl: fc.oneof(fc.double({ min: -2e9, max: 2e9, noNaN: true }), wrong), tp: fc.oneof(fc.constant(null), wrong) }), wrong);
    case 'flags':
      return fc.oneof(fc.record({ sl: fc.oneof(fc.boolean(), wrong), tp: fc.oneof(fc.boolean(), wrong) }), wrong);
    default:
      return wrong;
  }
}

/** A body for `type`: each table field present or not, with any of its values. */
function bodyOf(type: CommandType): fc.Arbitrary<Record<string, unknown>> {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fieldsOf(type)) shape[f.name] = valuesFor(f);
  return fc.record(shape, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
}

const WRITES = COMMAND_TYPES.filter((t) => classOf(t) !== 'system');

test('the gateway serves exactly the client and admin commands of the table, in its order', () => {
  assert.deepEqual(
    Object.keys(CLIENT_WRITES),
    COMMAND_TYPES.filter((t) => classOf(t) === 'client'),
  );
  assert.deepEqual(
    Object.keys(ADMIN_WRITES),
    COMMAND_TYPES.filter((t) => classOf(t) === 'admin'),
  );
  assert.ok(Object.keys(CLIENT_WRITES).length === 8 && Object.keys(ADMIN_WRITES).length === 9);
});

test("whatever body the gateway's field checks accept, the engine's parser accepts", () => {
  for (const type of WRITES) {
    let accepted = 0;
    fc.assert(
      fc.property(bodyOf(type), (body) => {
        if (!WRITE_SCHEMAS[type]!.safeParse(body).success) return;
        accepted++;
        const r = parseEnvelope({ v: 1, id: 'c-1', ts: 1, type, params: body });
        assert.ok(r.ok, `${type} ${JSON.stringify(body)}: the gateway accepts it, the engine refuses: ${r.ok ? '' : r.fail.reason}`);
      }),
      { numRuns: 400, seed: 19 },
    );
    assert.ok(
      accepted > 0 || fieldsOf(type).length === 0 || type === 'UpdateRiskParams',
      `${type}: no generated body passed the gateway (the property tested nothing)`,
    );
  }
});

test("a parsed command holds the table's fields in the table's order (absent optional risk parameters left out)", () => {
  for (const type of COMMAND_TYPES) {
    fc.assert(
      fc.property(bodyOf(type), (body) => {
        const r = parseEnvelope({ v: 1, id: 'c-1', ts: 1, type, params: body });
        if (!r.ok) return;
        const names = fieldsOf(type)
          .filter((f) => !(f.kind === 'num' && f.omit === true && (body[f.name] === undefined || body[f.name] === null)))
          .map((f) => f.name);
        assert.deepEqual(Object.keys(r.cmd.params), names, type);
      }),
      { numRuns: 200, seed: 19 },
    );
  }
});
