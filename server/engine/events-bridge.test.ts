/**
 * The event bridge on its own, over an in-memory Notifications (the LISTEN/NOTIFY round trip with
 * a real PostgreSQL is covered by test/cluster/across-processes.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Notifications } from '../db/store.ts';
import { silentLogger } from '../lib/logger.ts';
import { bridgeEvents } from './events-bridge.ts';
import { createEngineEvents, type ExecutionEvent } from './events.ts';

/** Notifications whose sends finish only when the test says so; each send's lines are recorded in call order. */
function slowNotifications() {
  const calls: { lines: readonly string[]; done: () => void }[] = [];
  const notifications: Notifications = {
    listen: async () => ({ close: async () => undefined }),
    notify: (_channel, lines) => new Promise<void>((done) => calls.push({ lines, done })),
    leadership: () => ({ held: () => false, stop: async () => undefined }),
  };
  return { notifications, calls };
}

const store = { getExecution: async () => undefined, getStep: async () => undefined };
const finalOf = async () => undefined;
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('event bridge', () => {
  it('sends one batch at a time, so an execution’s events leave in the order they happened', async () => {
    const { notifications, calls } = slowNotifications();
    const bridge = bridgeEvents(createEngineEvents(), { notifications, store, finalOf, origin: 'w1', logger: silentLogger });
    bridge.emitExecution({ executionId: 'ex_1', workflowId: 'wf', status: 'running' });
    await until(() => calls.length === 1);
    // The first send is still in flight when the next events come, over several flush windows.
    bridge.emitExecution({ executionId: 'ex_1', workflowId: 'wf', status: 'success' });
    await new Promise((r) => setTimeout(r, 60));
    bridge.emitExecution({ executionId: 'ex_2', workflowId: 'wf', status: 'running' });
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toHaveLength(1);
    calls[0]!.done();
    await until(() => calls.length === 2);
    // Everything queued meanwhile goes out together, after the first.
    expect(calls.map((c) => c.lines)).toEqual([['w1|x|ex_1|wf|running'], ['w1|x|ex_1|wf|success', 'w1|x|ex_2|wf|running']]);
    calls[1]!.done();
    const stopped = bridge.stop();
    await stopped;
    expect(calls).toHaveLength(2);
  });

  it('stop sends what is still queued', async () => {
    const { notifications, calls } = slowNotifications();
    const bridge = bridgeEvents(createEngineEvents(), { notifications, store, finalOf, origin: 'w1', logger: silentLogger });
    bridge.emitExecution({ executionId: 'ex_1', workflowId: 'wf', status: 'success' });
    const stopped = bridge.stop();
    await until(() => calls.length === 1);
    calls[0]!.done();
    await stopped;
    expect(calls[0]!.lines).toEqual(['w1|x|ex_1|wf|success']);
  });

  it('re-emits other processes’ execution events locally, in order, and ignores its own', async () => {
    let deliver: ((channel: string, payload: string) => void) | undefined;
    const { notifications } = slowNotifications();
    notifications.listen = async (_channels, handler) => ((deliver = handler), { close: async () => undefined });
    const local = createEngineEvents();
    const seen: ExecutionEvent[] = [];
    local.onExecution((e) => seen.push(e));
    const bridge = bridgeEvents(local, { notifications, store, finalOf, origin: 'web', logger: silentLogger });
    await bridge.start();
    deliver!('events', ['w1|x|ex_1|wf|running', 'web|x|ex_9|wf|running', 'w1|x|ex_1|wf|success'].join('\n'));
    expect(seen.map((e) => `${e.executionId}:${e.status}`)).toEqual(['ex_1:running', 'ex_1:success']);
  });
});
