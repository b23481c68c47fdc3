// Case N of a run: built from the seed and N alone (so it can be replayed), sent over HTTP or
// the WebSocket, and its answers put in one shape for the tally: {status, httpStatus?, text?,
// timeout?}.
import { Rng } from './rng.mjs';
import { httpCase } from './http-cases.mjs';
import { wsCase } from './ws-cases.mjs';
import { rawFrames, rawUpgrade, upgradeRequest } from './raw-socket.mjs';

/** How many requests or frames a case sends (races send several copies). */
export function requestCount(fuzzCase) {
  return fuzzCase.bodies?.length ?? fuzzCase.frames?.length ?? 1;
}

export function buildCase(seed, index, fixtures, wsShare) {
  const rng = new Rng(seed, `case:${index}`);
  return rng.chance(wsShare)
    ? { transport: 'ws', ...wsCase(rng, fixtures, index) }
    : { transport: 'http', ...httpCase(rng, fixtures, index) };
}

/** The request as text, for leak checks and the report. */
export function requestText(fuzzCase) {
  if (fuzzCase.category === 'fuzzer-error') return '';
  const asText = (value) =>
    value === undefined ? '' : Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
  if (fuzzCase.raw) return asText(fuzzCase.raw);
  if (fuzzCase.upgrade) return upgradeRequest(fuzzCase.upgrade).toString('latin1');
  if (fuzzCase.rawWs) {
    return `${fuzzCase.rawWs.label}: ${fuzzCase.rawWs.frames.length} frames, first ${asText(fuzzCase.rawWs.frames[0]?.payload).slice(0, 200)}`;
  }
  if (fuzzCase.bodies)
    return `${fuzzCase.method} ${fuzzCase.path} ×${fuzzCase.bodies.length}\n${fuzzCase.bodies.join('\n')}`;
  if (fuzzCase.frames) return fuzzCase.frames.join('\n');
  if (fuzzCase.transport === 'ws') return asText(fuzzCase.data);
  const headers = Object.entries(fuzzCase.headers ?? {})
    .filter(
      ([name]) =>
        name !== 'authorization' ||
        !/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(fuzzCase.headers.authorization),
    )
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
  return `${fuzzCase.method} ${fuzzCase.path}\n${headers}\n\n${asText(fuzzCase.body)}`;
}

function httpAnswer(result) {
  if (result.status === null || result.status === undefined || Number.isNaN(result.status)) {
    const reason = result.error ?? result.ended ?? 'no answer';
    return { status: `net:${reason}`, timeout: result.error === 'timeout' };
  }
  return { status: String(result.status), httpStatus: result.status, text: result.text };
}

function wsAnswers(result) {
  if (result.timeout) return [{ status: 'ws:timeout', timeout: true }];
  if (result.error) return [{ status: `ws:error:${result.error}` }];
  const answers = (result.replies ?? []).map(({ frame, text }) => ({
    status:
      frame?.['@type'] === 'RequestError'
        ? `ws:RequestError:${frame.status}`
        : `ws:${frame?.['@type'] ?? '?'}`,
    text,
  }));
  if (result.closed !== undefined) answers.push({ status: `ws:closed:${result.closed}` });
  if (answers.length === 0) answers.push({ status: 'ws:no-reply' });
  return answers;
}

function rawWsAnswers(result) {
  const answers = [];
  if (result.upgradeStatus !== 101)
    answers.push({
      status: `ws-raw:upgrade:${result.upgradeStatus}`,
      httpStatus: result.upgradeStatus ?? undefined,
    });
  for (const frame of result.frames) {
    if (frame.opcode === 8)
      answers.push({
        status: `ws-raw:close:${frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 'none'}`,
      });
    if (frame.opcode === 1) {
      const text = frame.payload.toString('utf8');
      let type = '?';
      try {
        const parsed = JSON.parse(text);
        type =
          parsed['@type'] === 'RequestError' ? `RequestError:${parsed.status}` : parsed['@type'];
      } catch {
        // not JSON
      }
      answers.push({ status: `ws-raw:${type}`, text });
    }
  }
  if (answers.length === 0) answers.push({ status: `ws-raw:${result.ended}` });
  return answers;
}

/** Sends the case; resolves to its answers. */
export async function runCase(fuzzCase, index, { http, ws, port, fixtures, runTag }) {
  if (fuzzCase.bodies) {
    const results = await Promise.all(
      fuzzCase.bodies.map((body, copy) =>
        http.send({ ...fuzzCase, body }, `${runTag}-${index}-${copy}`),
      ),
    );
    return results.map(httpAnswer);
  }
  if (fuzzCase.transport === 'http') {
    const result = await http.send(fuzzCase, `${runTag}-${index}`);
    return [httpAnswer(result)];
  }
  if (fuzzCase.upgrade) {
    const result = await rawUpgrade(port, fuzzCase.upgrade);
    return [{ ...httpAnswer(result), status: `upgrade:${result.status ?? result.ended}` }];
  }
  const attacker = fixtures.attackers[fuzzCase.attacker];
  if (fuzzCase.frames) {
    const results = await Promise.all(
      fuzzCase.frames.map((frame) => ws.send(fuzzCase.attacker, frame, false)),
    );
    return results.flatMap(wsAnswers);
  }
  if (fuzzCase.rawWs)
    return rawWsAnswers(await rawFrames(port, attacker.token, fuzzCase.rawWs.frames));
  if (fuzzCase.fresh)
    return wsAnswers(await ws.sendFresh(attacker.token, fuzzCase.data, fuzzCase.binary));
  return wsAnswers(
    await ws.send(fuzzCase.attacker, fuzzCase.data, fuzzCase.binary, fuzzCase.expect),
  );
}
