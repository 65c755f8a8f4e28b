// placeholder replaced by the engine benchmark suite
export async function benchEngine(_opts: { quick: boolean; json: boolean; orders: number }): Promise<void> {
  throw new Error('engine bench not written yet');
}
