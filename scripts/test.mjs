#!/usr/bin/env node
// Runs the whole compiled test suite with node's test runner. Services (PostgreSQL, Redis, Kafka)
// are checked by the suites that need them: locally they skip loudly, under CI=true they fail.
import { spawnSync } from 'node:child_process';

const args = ['--test', '--test-reporter=spec', '--test-concurrency=2', 'dist/test'];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env });
process.exit(r.status ?? 1);
