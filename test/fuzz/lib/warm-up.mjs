// The heavy part of the warm-up: before the starting memory is read, every app handles the
// largest requests and answers the run will send (bodies of maxSizeRequest, answers filling the
// 16 MB response budget, multi-part uploads and downloads), a few at once, so that what the
// memory allocator keeps after such peaks is in the baseline and the end-of-run figure compares
// like with like. These requests are not counted among the run's cases.
import { CHAT, CORE } from './jmap-catalog.mjs';

const ROUNDS = 3;

function doublingEchoes(count, pad) {
  const calls = [['Core/echo', { pad }, 'e0']];
  for (let i = 1; i < count; i++) {
    const ref = { resultOf: `e${i - 1}`, name: 'Core/echo', path: '' };
    calls.push(['Core/echo', { '#a': ref, '#b': ref }, `e${i}`]);
  }
  return { using: [CORE, CHAT], methodCalls: calls };
}

function heavyRequests(attacker, index) {
  const auth = { authorization: `Bearer ${attacker.token}`, 'content-type': 'application/json' };
  const api = (body) => ({ method: 'POST', path: '/jmap/api', headers: auth, body });
  return [
    api(JSON.stringify(doublingEchoes(40, 'x'.repeat(100_000)))),
    api(
      JSON.stringify({
        using: [CORE],
        methodCalls: [['Core/echo', { pad: 'y'.repeat(9_000_000) }, 'c']],
      }),
    ),
    api(Buffer.alloc(10_000_001, 0x20)),
    {
      method: 'POST',
      path: `/jmap/upload/${attacker.id}/`,
      headers: { authorization: auth.authorization, 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(3_000_000, index),
    },
  ];
}

/** Sends the heavy requests ROUNDS times, over HTTP and the WebSocket, four at a time. */
export async function heavyWarmUp({ http, ws, fixtures }) {
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(
      fixtures.attackers.map(async (attacker) => {
        for (const request of heavyRequests(attacker, round))
          await http.send(request, `warm-${round}`);
        const frame = {
          '@type': 'Request',
          id: `warm-${round}-${attacker.index}`,
          ...doublingEchoes(40, 'z'.repeat(100_000)),
        };
        await ws.send(attacker.index, JSON.stringify(frame), false);
      }),
    );
  }
}
