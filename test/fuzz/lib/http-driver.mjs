// Sends an HTTP fuzz case with node:http over keep-alive connections. Cases node:http refuses to
// send (control characters in a header, an unescaped path) go out as raw bytes instead.
// Event streams are answered as soon as their status is known.
import http from 'node:http';
import { rawHttp } from './raw-socket.mjs';

const MAX_BODY_TEXT = 2 * 1024 * 1024;

export class HttpDriver {
  constructor(port, { timeoutMs = 30_000, maxSockets = 64 } = {}) {
    this.port = port;
    this.timeoutMs = timeoutMs;
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  close() {
    this.agent.destroy();
  }

  /** {status, headers, text} or {status: null, error}. */
  send(fuzzCase, requestId) {
    if (fuzzCase.raw) return rawHttp(this.port, fuzzCase.raw);
    try {
      return this.viaNode(fuzzCase, requestId);
    } catch {
      return rawHttp(this.port, toRawBytes(fuzzCase, requestId));
    }
  }

  viaNode(fuzzCase, requestId) {
    const headers = { ...fuzzCase.headers, 'x-request-id': requestId };
    const body = fuzzCase.body === undefined ? undefined : Buffer.from(fuzzCase.body);
    if (body !== undefined && !fuzzCase.chunked)
      headers['content-length'] = String(fuzzCase.declaredLength ?? body.length);
    if (fuzzCase.declaredLength !== undefined)
      headers['content-length'] = String(fuzzCase.declaredLength);
    // Throws synchronously for what node:http will not send: the caller goes raw then.
    const request = http.request({
      host: '127.0.0.1',
      port: this.port,
      method: fuzzCase.method,
      path: fuzzCase.path,
      headers,
      agent: fuzzCase.declaredLength === undefined ? this.agent : false,
    });
    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        finish({ status: null, error: 'timeout' });
        request.destroy();
      }, this.timeoutMs);
      request.on('error', (error) => finish({ status: null, error: error.code ?? error.message }));
      request.on('response', (response) => {
        // An event stream stays open: its status is the answer.
        if (/^text\/event-stream/.test(response.headers['content-type'] ?? '')) {
          finish({ status: 200, headers: response.headers, text: '' });
          response.destroy();
          request.destroy();
          return;
        }
        const chunks = [];
        let size = 0;
        response.on('data', (chunk) => {
          if (size < MAX_BODY_TEXT) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () =>
          finish({
            status: response.statusCode,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', (error) =>
          finish({
            status: response.statusCode,
            headers: response.headers,
            text: '',
            error: error.code ?? error.message,
          }),
        );
      });
      if (body === undefined) request.end();
      else if (fuzzCase.chunked) {
        // many small writes: chunked transfer coding
        const step = Math.max(1, Math.ceil(body.length / 7));
        for (let offset = 0; offset < body.length; offset += step)
          request.write(body.subarray(offset, offset + step));
        request.end();
      } else if (fuzzCase.declaredLength !== undefined) {
        // claims more than it sends: the server should refuse from the header alone
        request.write(body, () => undefined);
        setTimeout(() => request.destroy(), 2000).unref();
      } else request.end(body);
    });
  }
}

/** The same case as raw HTTP/1.1 bytes (Connection: close). */
export function toRawBytes(fuzzCase, requestId) {
  const body = fuzzCase.body === undefined ? Buffer.alloc(0) : Buffer.from(fuzzCase.body);
  const headers = {
    host: '127.0.0.1',
    ...fuzzCase.headers,
    'x-request-id': requestId,
    connection: 'close',
  };
  if (body.length > 0) headers['content-length'] = String(body.length);
  const head = [
    `${fuzzCase.method} ${fuzzCase.path} HTTP/1.1`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'utf8'), body]);
}
