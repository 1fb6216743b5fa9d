/** The preload's window.api object: one method per operation, outcomes as data, cancel by id. */
import { describe, expect, it } from 'vitest';
import { ApiRouter } from '../../src/main/api/router';
import { buildBridge } from '../../src/preload/bridge';
import { ProtocolClient, type BridgeApi } from '../../src/shared/api/client';
import { OP_NAMES } from '../../src/shared/api/operations';
import { fakePredict, fakeServices } from '../api/fakeServices';

function bridge(): BridgeApi {
  const router = new ApiRouter(fakeServices());
  const wire: { toClient?: (m: unknown) => void } = {};
  // structuredClone stands in for IPC serialization.
  const connection = router.connect((m) => wire.toClient?.(structuredClone(m)));
  const client = new ProtocolClient((m) => connection.receive(structuredClone(m)));
  wire.toClient = (m) => client.receive(m);
  return buildBridge(client);
}

describe('preload bridge', () => {
  it('has exactly one method per operation, plus cancel and onEvent', () => {
    const api = bridge();
    expect(Object.keys(api).sort()).toEqual([...OP_NAMES, 'cancel', 'onEvent'].sort());
    for (const key of Object.keys(api)) expect(typeof (api as unknown as Record<string, unknown>)[key]).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('returns results and errors as plain data', async () => {
    const api = bridge();
    expect(await api['model.predict']({ prompt: 'Hi', topK: 2 })).toEqual({ ok: true, result: { prompt: 'Hi', predictions: fakePredict('Hi', 2) } });
    const bad = await api['model.predict']({ prompt: 'Hi', topK: -1 });
    expect(bad).toEqual({ ok: false, error: { code: 'invalid_request', message: 'model.predict: params.topK must be an integer from 1 to 100, got -1', path: 'params.topK' } });
  });

  it('streams progress to a callback and cancels by the id the page chose', async () => {
    const api = bridge();
    const done: number[] = [];
    const call = api.sleep({ ms: 60_000, steps: 100 }, { id: 'job-7', onProgress: (p) => done.push(p.done) });
    await new Promise((r) => setTimeout(r, 20));
    api.cancel('job-7');
    expect(await call).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(done[0]).toBe(0);
  });
});
