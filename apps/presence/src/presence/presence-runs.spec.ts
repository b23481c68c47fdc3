import { runsOf } from './presence.service';

describe('runsOf', () => {
  it('splits a report into runs of opens and closes, keeping their order', () => {
    const change = (text: string) => ({ userId: text.slice(1), opened: text.startsWith('+') });
    const runs = runsOf(['+a', '+b', '-a', '-c', '+a'].map(change));
    expect(runs.map((run) => run.map((c) => `${c.opened ? '+' : '-'}${c.userId}`))).toEqual([
      ['+a', '+b'],
      ['-a', '-c'],
      ['+a'],
    ]);
    expect(runsOf([])).toEqual([]);
  });
});
