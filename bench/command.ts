// The action of `relayer bench` (declared with its options in src/cli.ts): each suite is imported
// only when it runs. bin/relayer attaches it, so the arrow runs bench → src and never back.
import type { Command } from 'commander';
import { CliError } from '../src/errors.js';

export function attachBench(cmd: Command): void {
  cmd.action(async (suite: string, opts: { quick?: boolean; json?: boolean; orders: string; kafka?: string }) => {
    if (suite === 'durable') {
      const { benchDurable } = await import('./durable/run.js');
      return benchDurable({ quick: opts.quick === true, json: opts.json === true });
    }
    if (suite === 'kafka') {
      const { benchKafka } = await import('./kafka/run.js');
      await benchKafka({ quick: opts.quick === true, json: opts.json === true, kafka: opts.kafka });
      const { benchKafkaClients } = await import('./kafka/clients.js');
      return benchKafkaClients({ quick: opts.quick === true, json: opts.json === true, kafka: opts.kafka });
    }
    if (suite === 'scale') {
      const { benchScale } = await import('./scale/run.js');
      return benchScale({ quick: opts.quick === true, json: opts.json === true, kafka: opts.kafka });
    }
    if (suite === 'project') {
      const { benchProject } = await import('./project/run.js');
      return benchProject({ quick: opts.quick === true, json: opts.json === true });
    }
    if (suite === 'book') {
      const { benchBook } = await import('./book/run.js');
      return benchBook({ quick: opts.quick === true, json: opts.json === true });
    }
    if (suite === 'api') {
      const { benchApi } = await import('./api/run.js');
      return benchApi({ quick: opts.quick === true, json: opts.json === true });
    }
    if (suite === 'sim') {
      const { benchSim } = await import('./sim/run.js');
      return benchSim({ quick: opts.quick === true, json: opts.json === true });
    }
    if (suite !== 'engine') throw new CliError(`unknown bench suite ${suite} (available: engine, durable, kafka, scale, api, project, book, sim)`, 2);
    const { benchEngine } = await import('./engine/run.js');
    await benchEngine({ quick: opts.quick === true, json: opts.json === true, orders: Number(opts.orders) });
  });
}
