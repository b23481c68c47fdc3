// Raw TCP exchanges for what no well-behaved client library would send: malformed HTTP,
// hostile WebSocket upgrades and hostile WebSocket framing. Each exchange has its own socket
// and a deadline; the answer is read leniently (status line, headers, body or frames).
import net from 'node:net';
import { createHash } from 'node:crypto';

const MAX_READ = 4 * 1024 * 1024;
const FOLLOW_UP = Buffer.from(
  '{"@type":"Request","id":"after","using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{},"c"]]}',
);

/** Splits an HTTP response head from its body; null while the head is incomplete. */
export function parseHead(buffer) {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(lines[0])?.[1] ?? NaN);
  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, bodyStart: end + 4 };
}

/** The body once complete (Content-Length or chunked), else null. */
function completeBody(buffer, head) {
  const body = buffer.subarray(head.bodyStart);
  if (head.headers['content-length'] !== undefined) {
    const length = Number(head.headers['content-length']);
    return body.length >= length ? body.subarray(0, length) : null;
  }
  if (/chunked/i.test(head.headers['transfer-encoding'] ?? '')) {
    const chunks = [];
    let offset = 0;
    for (;;) {
      const lineEnd = body.indexOf('\r\n', offset);
      if (lineEnd < 0) return null;
      const size = parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
      if (!Number.isFinite(size)) return body;
      if (size === 0) return Buffer.concat(chunks);
      if (body.length < lineEnd + 2 + size + 2) return null;
      chunks.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      offset = lineEnd + 2 + size + 2;
    }
  }
  return null;
}

function connect(port, onData, timeoutMs) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const chunks = [];
    let size = 0;
    let settled = false;
    const finish = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...outcome, received: Buffer.concat(chunks) });
    };
    const timer = setTimeout(() => finish({ ended: 'timeout' }), timeoutMs);
    socket.on('data', (chunk) => {
      if (size < MAX_READ) {
        chunks.push(chunk);
        size += chunk.length;
      }
      const done = onData(Buffer.concat(chunks), socket);
      if (done) finish({ ended: 'answered' });
    });
    socket.on('error', (error) => finish({ ended: `error:${error.code ?? error.message}` }));
    socket.on('close', () => finish({ ended: 'closed' }));
    socket.on('connect', () => onData(null, socket));
  });
}

/**
 * Writes `bytes` and reads one HTTP response: {status, headers, text} when one came, status
 * null otherwise (the server closed or stayed silent).
 */
export async function rawHttp(port, bytes, timeoutMs = 5000) {
  let head = null;
  const result = await connect(
    port,
    (buffer, socket) => {
      if (buffer === null) {
        socket.write(bytes);
        return false;
      }
      head ??= parseHead(buffer);
      if (head === null) return false;
      // 101: the connection is now a WebSocket, and nothing more belongs to this answer
      return [101, 204, 304].includes(head.status) || completeBody(buffer, head) !== null;
    },
    timeoutMs,
  );
  head ??= parseHead(result.received);
  if (!head)
    return {
      status: null,
      ended: result.ended,
      text: result.received.toString('latin1').slice(0, 500),
    };
  const body = completeBody(result.received, head) ?? result.received.subarray(head.bodyStart);
  return {
    status: head.status,
    headers: head.headers,
    text: body.toString('utf8'),
    ended: result.ended,
  };
}

/** One client frame, masked unless told otherwise (RFC 6455 §5.2). */
export function encodeFrame({
  fin = true,
  rsv = 0,
  opcode,
  mask = true,
  payload,
  lengthOverride,
  truncate,
}) {
  const length = lengthOverride ?? BigInt(payload.length);
  const header = [((fin ? 0x80 : 0) | (rsv << 4) | opcode) & 0xff];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126n) header.push(maskBit | Number(length));
  else if (length < 65536n)
    header.push(maskBit | 126, Number(length >> 8n) & 0xff, Number(length) & 0xff);
  else {
    header.push(maskBit | 127);
    for (let shift = 56n; shift >= 0n; shift -= 8n) header.push(Number((length >> shift) & 0xffn));
  }
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.from(payload);
  if (mask) for (let i = 0; i < body.length; i++) body[i] ^= key[i % 4];
  const frame = Buffer.concat([Buffer.from(header), mask ? key : Buffer.alloc(0), body]);
  return truncate ? frame.subarray(0, Math.max(2, frame.length - 3)) : frame;
}

/** Server frames in a buffer (unmasked): [{opcode, payload}]. */
export function decodeFrames(buffer) {
  const frames = [];
  let offset = 0;
  while (offset + 2 <= buffer.length) {
    const opcode = buffer[offset] & 0x0f;
    let length = buffer[offset + 1] & 0x7f;
    let start = offset + 2;
    if (length === 126) {
      if (start + 2 > buffer.length) break;
      length = buffer.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      if (start + 8 > buffer.length) break;
      length = Number(buffer.readBigUInt64BE(start));
      start += 8;
    }
    if (start + length > buffer.length) break;
    frames.push({ opcode, payload: buffer.subarray(start, start + length) });
    offset = start + length;
  }
  return frames;
}

export function upgradeRequest({ method = 'GET', path, headers }) {
  const lines = [
    `${method} ${path} HTTP/1.1`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** A hostile upgrade: the status it got (101 when a socket was made, which is then closed). */
export async function rawUpgrade(port, upgrade, timeoutMs = 5000) {
  const result = await rawHttp(port, upgradeRequest(upgrade), timeoutMs);
  return result;
}

/**
 * Upgrades with a valid token, then writes hostile frames: what came back (a close code,
 * a text frame) or how the connection ended.
 */
export async function rawFrames(port, token, frames, timeoutMs = 3000) {
  const key = createHash('sha1').update(String(Math.random())).digest('base64').slice(0, 22) + '==';
  let upgraded = null;
  const replies = [];
  const result = await connect(
    port,
    (buffer, socket) => {
      if (buffer === null) {
        socket.write(
          upgradeRequest({
            path: '/jmap/ws',
            headers: {
              Host: '127.0.0.1',
              Upgrade: 'websocket',
              Connection: 'Upgrade',
              'Sec-WebSocket-Key': key,
              'Sec-WebSocket-Version': '13',
              'Sec-WebSocket-Protocol': 'jmap',
              Authorization: `Bearer ${token}`,
            },
          }),
        );
        return false;
      }
      if (upgraded === null) {
        const head = parseHead(buffer);
        if (!head) return false;
        upgraded = head;
        if (head.status !== 101) return true;
        for (const frame of frames) socket.write(encodeFrame(frame));
        // A live connection answers this one, so an exchange never waits for its deadline.
        socket.write(encodeFrame({ opcode: 1, payload: FOLLOW_UP }));
      }
      replies.length = 0;
      replies.push(...decodeFrames(buffer.subarray(upgraded.bodyStart)));
      return replies.some((frame) => frame.opcode === 8 || frame.opcode === 1);
    },
    timeoutMs,
  );
  return { upgradeStatus: upgraded?.status ?? null, ended: result.ended, frames: replies };
}
