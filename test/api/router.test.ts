/** The router and its connections: results, progress, cancellation, errors, peers going away. */
import { describe, expect, it } from 'vitest';
import { ApiRouter } from '../../src/main/api/router';
import { createServices } from '../../src/main/api/createServices';
import type { ServerMessage } from '../../src/shared/api/protocol';
import { ProtocolClient } from '../../src/shared/api/client';
import { ApiError } from '../../src/shared/api/errors';
import { fakePredict, fakeServices } from './fakeServices';

function collect(router: ApiRouter): { messages: ServerMessage[]; connection: ReturnType<ApiRouter['connect']> } {
  const messages: ServerMessage[] = [];
  return { messages, connection: router.connect((m) => messages.push(m)) };
}

const until = async (check: () => boolean, ms = 5000): Promise<void> => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('ApiRouter', () => {
  it('answers app.info from the services', async () => {
    const info = await new ApiRouter(fakeServices()).invoke('app.info', {});
    expect(info.version).toBe('0.0.0-test');
    expect(info.backend?.name).toBe('cpu');
    expect(info.model).toBe('fake-tiny');
    expect(info.memory.rssBytes).toBeGreaterThan(0);
    expect(info.memory.tensorBytes).toBe(4096);
  });

  it('predicts with the default topK of 10 and the given one', async () => {
    const router = new ApiRouter(fakeServices());
    const all = await router.invoke('model.predict', { prompt: 'When Mary and John went to the store,' });
    expect(all.predictions).toEqual(fakePredict('When Mary and John went to the store,', 10));
    const three = await router.invoke('model.predict', { prompt: 'x', topK: 3 });
    expect(three.predictions.map((p) => p.id)).toEqual(fakePredict('x', 3).map((p) => p.id));
  });

  it('says plainly when no model is loaded or the store is missing', async () => {
    const router = new ApiRouter(createServices({ appVersion: '1' }));
    await expect(router.invoke('model.info', {})).rejects.toMatchObject({ code: 'not_available', message: 'No model is loaded.' });
    await expect(router.invoke('project.recent', {})).rejects.toMatchObject({ code: 'not_available' });
    const info = await router.invoke('app.info', {});
    expect(info.backend).toBeNull();
    expect(info.memory.tensorBytes).toBeNull();
  });

  it('turns a handler crash into a "failed" error with its message', async () => {
    const services = fakeServices();
    const broken = { ...services, model: () => ({ ...services.model()!, predict: async () => Promise.reject(new Error('prompt is longer than n_ctx (32)')) }) };
    const error = await new ApiRouter(broken).invoke('model.predict', { prompt: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'failed', message: 'prompt is longer than n_ctx (32)' });
  });
});

describe('ApiConnection', () => {
  it('streams progress and then the result for a job', async () => {
    const { messages, connection } = collect(new ApiRouter(fakeServices()));
    connection.receive({ type: 'request', id: 'j1', op: 'sleep', params: { ms: 40, steps: 4 } });
    await until(() => messages.some((m) => m.type === 'result'));
    const progress = messages.filter((m) => m.type === 'progress');
    expect(progress.map((m) => (m.type === 'progress' ? m.progress.done : -1))).toEqual([0, 1, 2, 3, 4]);
    expect(messages.at(-1)).toMatchObject({ type: 'result', id: 'j1' });
  });

  it('cancels a running job: an error "cancelled" and no more progress', async () => {
    const { messages, connection } = collect(new ApiRouter(fakeServices()));
    const started = Date.now();
    connection.receive({ type: 'request', id: 'long', op: 'sleep', params: { ms: 60_000, steps: 600 } });
    await until(() => messages.some((m) => m.type === 'progress'));
    connection.receive({ type: 'cancel', id: 'long' });
    await until(() => messages.some((m) => m.type === 'error'));
    expect(Date.now() - started).toBeLessThan(2000);
    const errorAt = messages.findIndex((m) => m.type === 'error');
    expect(messages[errorAt]).toMatchObject({ id: 'long', error: { code: 'cancelled' } });
    await new Promise((r) => setTimeout(r, 250));
    expect(messages.length).toBe(errorAt + 1);
    expect(connection.inFlightCount).toBe(0);
  });

  it('aborts everything in flight when the peer goes away', async () => {
    const router = new ApiRouter(fakeServices());
    const { messages, connection } = collect(router);
    connection.receive({ type: 'request', id: 'a', op: 'sleep', params: { ms: 60_000 } });
    connection.receive({ type: 'request', id: 'b', op: 'sleep', params: { ms: 60_000 } });
    expect(connection.inFlightCount).toBe(2);
    connection.close();
    expect(connection.inFlightCount).toBe(0);
    expect(router.connectionCount).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(messages.some((m) => m.type === 'result' || m.type === 'error')).toBe(false);
  });

  it('answers malformed messages with an addressed error and keeps serving', async () => {
    const { messages, connection } = collect(new ApiRouter(fakeServices()));
    connection.receive('hello');
    connection.receive({ type: 'request', id: 'bad id!', op: 'echo', params: { message: 'x' } });
    connection.receive({ type: 'request', id: 'q1', op: 'echo', params: { message: 'x' }, extra: true });
    connection.receive({ type: 'shout', id: 'q2' });
    connection.receive({ type: 'request', id: 'q3', op: 'echo', params: { message: 'still here' } });
    await until(() => messages.length === 5);
    expect(messages[0]).toMatchObject({ type: 'error', id: null, error: { code: 'invalid_request', path: 'message' } });
    expect(messages[1]).toMatchObject({ type: 'error', id: null, error: { path: 'message.id' } });
    expect(messages[2]).toMatchObject({ type: 'error', id: 'q1', error: { path: 'message.extra' } });
    expect(messages[3]).toMatchObject({ type: 'error', id: 'q2', error: { path: 'message.type' } });
    expect(messages[4]).toEqual({ type: 'result', id: 'q3', result: { message: 'still here' } });
  });

  it('refuses a second request with an id already in flight', async () => {
    const { messages, connection } = collect(new ApiRouter(fakeServices()));
    connection.receive({ type: 'request', id: 'dup', op: 'sleep', params: { ms: 200 } });
    connection.receive({ type: 'request', id: 'dup', op: 'echo', params: { message: 'x' } });
    await until(() => messages.some((m) => m.type === 'error'));
    expect(messages.find((m) => m.type === 'error')).toMatchObject({ id: 'dup', error: { code: 'conflict' } });
    connection.close();
  });

  it('pushes broadcast events to every connection', () => {
    const router = new ApiRouter(fakeServices());
    const a = collect(router);
    const b = collect(router);
    router.broadcast({ kind: 'notice', message: 'hello' });
    expect(a.messages).toEqual([{ type: 'event', event: { kind: 'notice', message: 'hello' } }]);
    expect(b.messages).toEqual(a.messages);
  });
});

describe('ProtocolClient against a router connection (in memory)', () => {
  function pair(): ProtocolClient {
    const router = new ApiRouter(fakeServices());
    const wire: { toClient?: (m: unknown) => void } = {};
    // A JSON round trip on each hop, as on a real wire.
    const connection = router.connect((m) => wire.toClient?.(JSON.parse(JSON.stringify(m))));
    const client = new ProtocolClient((m) => connection.receive(JSON.parse(JSON.stringify(m))));
    wire.toClient = (m) => client.receive(m);
    return client;
  }

  it('round-trips a typed call and reports progress', async () => {
    const client = pair();
    const seen: number[] = [];
    const result = await client.call('sleep', { ms: 20, steps: 2 }, { onProgress: (p) => seen.push(p.done) });
    expect(result.sleptMs).toBeGreaterThanOrEqual(15);
    expect(seen).toEqual([0, 1, 2]);
  });

  it('rejects with "cancelled" when the AbortSignal fires', async () => {
    const client = pair();
    const controller = new AbortController();
    const call = client.call('sleep', { ms: 60_000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await expect(call).rejects.toMatchObject({ code: 'cancelled' });
    expect(client.inFlight).toBe(0);
  });

  it('validates before sending', async () => {
    const client = pair();
    // @ts-expect-error: a wrong type on purpose
    await expect(client.call('model.predict', { prompt: 5 })).rejects.toMatchObject({ code: 'invalid_request', path: 'params.prompt' });
  });

  it('fails pending calls when the connection is lost', async () => {
    const client = new ProtocolClient(() => undefined);
    const call = client.call('echo', { message: 'x' });
    client.failAll('socket closed');
    await expect(call).rejects.toMatchObject({ code: 'transport', message: 'socket closed' });
  });
});
