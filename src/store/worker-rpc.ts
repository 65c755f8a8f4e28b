// Request/reply over a worker thread, for the stores' blocking work (an fsync'd SQLite commit or
// append) that must not stop the calling thread: numbered requests, one promise each, answered in
// any order; a worker that dies fails every pending call and every later one.
import { type MessagePort, Worker } from 'node:worker_threads';

type Reply = { n: number; ok: true; value: unknown } | { n: number; ok: false; error: string };

/** Starts `file` as a worker with `data` and waits for its `{ready: true}` (or its error). */
export async function startWorker(file: string, data: object, what: string): Promise<Worker> {
  const worker = new Worker(file, { workerData: data });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ready?: boolean; error?: string }) => (m.ready === true ? resolve() : reject(new Error(m.error ?? `${what} failed`))));
    worker.once('error', reject);
  });
  return worker;
}

/** The calling side. With `idleUnref` the worker keeps the process alive only while a call is pending. */
export class WorkerCalls {
  private readonly pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  private next = 0;
  private dead: Error | null = null;

  constructor(
    private readonly worker: Worker,
    what: string,
    private readonly idleUnref = false,
  ) {
    if (idleUnref) worker.unref();
    worker.on('message', (m: Reply) => {
      const p = this.pending.get(m.n);
      if (p === undefined) return;
      this.pending.delete(m.n);
      if (idleUnref && this.pending.size === 0) worker.unref();
      if (m.ok) p.resolve(m.value as never);
      else p.reject(new Error(m.error));
    });
    const fail = (e: Error): void => {
      this.dead ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the ${what} exited (${code})`)));
  }

  call<T>(body: object, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.dead !== null) return Promise.reject(this.dead);
    const n = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(n, { resolve: resolve as (v: never) => void, reject });
      if (this.idleUnref) this.worker.ref();
      this.worker.postMessage({ ...body, n }, transfer);
    });
  }

  async close(): Promise<void> {
    if (this.dead !== null) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.ref();
    this.worker.postMessage('close');
    await exited;
  }
}

/** The worker side: `open` readies the resource (its error goes back to `startWorker`), `handle`
 * answers each request synchronously (pushing any buffers to move rather than copy onto
 * `transfer`), `close` releases the resource before the port closes. */
export function serveCalls<Req extends { n: number }, R>(
  port: MessagePort,
  open: () => R,
  handle: (res: R, req: Req, transfer: ArrayBuffer[]) => unknown,
  close: (res: R) => Promise<void> | void,
): void {
  let res: R | null = null;
  try {
    res = open();
    port.postMessage({ ready: true });
  } catch (e) {
    port.postMessage({ ready: false, error: (e as Error).message });
  }
  port.on('message', (m: Req | 'close') => {
    if (m === 'close') {
      void Promise.resolve(res === null ? undefined : close(res)).finally(() => port.close());
      return;
    }
    try {
      const transfer: ArrayBuffer[] = [];
      port.postMessage({ n: m.n, ok: true, value: handle(res!, m, transfer) } satisfies Reply, transfer);
    } catch (e) {
      port.postMessage({ n: m.n, ok: false, error: (e as Error).message } satisfies Reply);
    }
  });
}
