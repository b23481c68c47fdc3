import type { Batch } from './batch';
import { BatchResult } from './batch';
import { SyncEngine, type SyncDelta } from './sync';
import type { Invocation } from './types';

/** A server answering `/changes` from a list of pages keyed by sinceState. */
function fakeServer(
  pages: Record<
    string,
    | {
        newState: string;
        more?: boolean;
        created?: string[];
        updated?: string[];
        destroyed?: string[];
      }
    | 'cannotCalculateChanges'
  >,
) {
  const requests: Invocation[][] = [];
  const run = async (batch: Batch) => {
    const calls = batch.invocations;
    requests.push(calls);
    const [changesCall, createdCall, updatedCall] = calls;
    const since = changesCall![1]['sinceState'] as string;
    const page = pages[since];
    if (!page) throw new Error(`unexpected sinceState ${since}`);
    if (page === 'cannotCalculateChanges') {
      return new BatchResult({
        methodResponses: [
          ['error', { type: 'cannotCalculateChanges' }, 'c0'],
          ['error', { type: 'invalidResultReference' }, 'c1'],
          ['error', { type: 'invalidResultReference' }, 'c2'],
        ],
      });
    }
    const objects = (ids: string[] = []) => ids.map((id) => ({ id }));
    return new BatchResult({
      methodResponses: [
        [
          changesCall![0],
          {
            oldState: since,
            newState: page.newState,
            hasMoreChanges: page.more ?? false,
            created: page.created ?? [],
            updated: page.updated ?? [],
            destroyed: page.destroyed ?? [],
          },
          'c0',
        ],
        [createdCall![0], { list: objects(page.created), notFound: [] }, 'c1'],
        [updatedCall![0], { list: objects(page.updated), notFound: [] }, 'c2'],
      ],
    });
  };
  return { run, requests };
}

describe('SyncEngine', () => {
  const deltas: SyncDelta<{ id: string }>[] = [];
  const reload = jest.fn(async () => 'reloaded');
  const engine = (run: (batch: Batch) => Promise<BatchResult>) =>
    new SyncEngine({
      accountId: 'acc',
      run,
      handlers: { Message: { apply: (delta) => deltas.push(delta), reload } },
    });

  beforeEach(() => {
    deltas.length = 0;
    reload.mockClear();
  });

  it('asks /changes from the kept state and fetches created and updated by reference', async () => {
    const server = fakeServer({
      s1: { newState: 's2', created: ['m1'], updated: ['m0'], destroyed: ['m9'] },
    });
    const sync = engine(server.run);
    sync.setState('Message', 's1');
    await sync.onStateChange({ Message: 's2', Unknown: 'x' });
    expect(server.requests[0]).toEqual([
      ['Message/changes', { accountId: 'acc', sinceState: 's1', maxChanges: 500 }, 'c0'],
      [
        'Message/get',
        { accountId: 'acc', '#ids': { resultOf: 'c0', name: 'Message/changes', path: '/created' } },
        'c1',
      ],
      [
        'Message/get',
        { accountId: 'acc', '#ids': { resultOf: 'c0', name: 'Message/changes', path: '/updated' } },
        'c2',
      ],
    ]);
    expect(deltas).toEqual([
      { created: [{ id: 'm1' }], updated: [{ id: 'm0' }], destroyed: ['m9'] },
    ]);
    expect(sync.state('Message')).toBe('s2');
  });

  it('does nothing when the pushed state is the one it has, or for a type never loaded', async () => {
    const server = fakeServer({});
    const sync = engine(server.run);
    await sync.onStateChange({ Message: 's1' });
    sync.setState('Message', 's1');
    await sync.onStateChange({ Message: 's1' });
    expect(server.requests).toHaveLength(0);
  });

  it('follows hasMoreChanges page after page', async () => {
    const server = fakeServer({
      s1: { newState: 's2', more: true, created: ['m1'] },
      s2: { newState: 's3', more: true, created: ['m2'] },
      s3: { newState: 's4', created: ['m3'] },
    });
    const sync = engine(server.run);
    sync.setState('Message', 's1');
    await sync.syncAll();
    expect(deltas.map((d) => d.created[0]!.id)).toEqual(['m1', 'm2', 'm3']);
    expect(sync.state('Message')).toBe('s4');
  });

  it('reloads the type when the server cannot calculate the changes', async () => {
    const server = fakeServer({ old: 'cannotCalculateChanges' });
    const sync = engine(server.run);
    sync.setState('Message', 'old');
    await sync.sync('Message');
    expect(reload).toHaveBeenCalledTimes(1);
    expect(deltas).toHaveLength(0);
    expect(sync.state('Message')).toBe('reloaded');
  });

  it('never runs two syncs of a type at once: pushes during a run make exactly one more', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const server = fakeServer({
      s1: { newState: 's2', created: ['m1'] },
      s2: { newState: 's3', created: ['m2'] },
    });
    let inFlight = 0;
    let maxInFlight = 0;
    const sync = engine(async (batch) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (server.requests.length === 0) await gate;
      const result = await server.run(batch);
      inFlight--;
      return result;
    });
    sync.setState('Message', 's1');
    const first = sync.sync('Message');
    const second = sync.onStateChange({ Message: 'sX' });
    const third = sync.onStateChange({ Message: 'sY' });
    release();
    await Promise.all([first, second, third]);
    expect(maxInFlight).toBe(1);
    expect(server.requests.map((calls) => calls[0]![1]['sinceState'])).toEqual(['s1', 's2']);
    expect(sync.state('Message')).toBe('s3');
  });
});
