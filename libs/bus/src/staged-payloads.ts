import {
  createInbox,
  Empty,
  headers as natsHeaders,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  StringCodec,
} from 'nats';

/**
 * NATS refuses a message over the server's `max_payload` (1 MB by default). A request or reply
 * larger than that is *staged*: its sender keeps the bytes and sends a small stub whose
 * STAGED_HEADER names a private subject; the receiver asks that subject for the parts, one
 * request each, and puts the original message back together. Request/reply over a queue group
 * cannot push the parts to the right replica, so the receiver pulls them.
 */
export const STAGED_HEADER = 'x-jchat-staged';

/** The most one request or reply may carry, staged or not. */
export const MAX_CARRIED_BYTES = 64 * 1024 * 1024;

/** Room for the headers within `max_payload`. */
const HEADROOM_BYTES = 16 * 1024;
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** A staged payload nobody fetched is dropped after this long. */
const STAGED_TTL_MS = 60_000;
const PART_TIMEOUT_MS = 5_000;

const text = StringCodec();

/** A payload over MAX_CARRIED_BYTES: it cannot be sent at all. */
export class PayloadTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly maxBytes: number = MAX_CARRIED_BYTES,
  ) {
    super(`a payload of ${bytes} bytes is over the ${maxBytes} bytes NATS messages may carry`);
    this.name = 'PayloadTooLargeError';
  }
}

/** A staged payload could not be fetched (its sender is gone, or answered nonsense). */
export class PayloadTransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadTransferError';
  }
}

/** The largest message (payload and headers) that goes out whole on this connection. */
export function wholeMessageBytes(nc: NatsConnection): number {
  return (nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADROOM_BYTES;
}

/**
 * Sends `data` with `send`, whole when it fits in one message, else staged on `nc`. Returns
 * a function that drops the staged copy (a no-op when nothing was staged). Throws
 * PayloadTooLargeError over MAX_CARRIED_BYTES, and whatever `send` throws.
 */
export function sendCarried(
  nc: NatsConnection,
  data: Uint8Array,
  headers: MsgHdrs | undefined,
  send: (data: Uint8Array, headers: MsgHdrs | undefined) => void,
): () => void {
  const whole = wholeMessageBytes(nc);
  if (data.length <= whole) {
    send(data, headers);
    return () => undefined;
  }
  if (data.length > MAX_CARRIED_BYTES) throw new PayloadTooLargeError(data.length);
  const staged = stage(nc, data, whole);
  const stubHeaders = headers ?? natsHeaders();
  stubHeaders.set(STAGED_HEADER, staged.header);
  try {
    send(Empty, stubHeaders);
  } catch (error: unknown) {
    staged.release();
    throw error;
  }
  return staged.release;
}

function stage(
  nc: NatsConnection,
  data: Uint8Array,
  partBytes: number,
): { header: string; release: () => void } {
  const subject = createInbox();
  const parts = Math.ceil(data.length / partBytes);
  const subscription = nc.subscribe(subject, {
    callback: (error, msg) => {
      if (error) return;
      const index = Number(text.decode(msg.data));
      const known = Number.isInteger(index) && index >= 0 && index < parts;
      try {
        msg.respond(known ? data.subarray(index * partBytes, (index + 1) * partBytes) : Empty);
      } catch {
        // The fetcher times out and says so; a sender has nobody to tell.
      }
      if (index === parts - 1) release();
    },
  });
  const timer = setTimeout(() => release(), STAGED_TTL_MS);
  timer.unref();
  function release(): void {
    clearTimeout(timer);
    if (!subscription.isClosed()) subscription.unsubscribe();
  }
  return { header: `${subject} ${parts} ${data.length}`, release };
}

/** The stub's STAGED_HEADER, when the message is one. */
export function stagedHeaderOf(msg: Pick<Msg, 'headers'>): string | undefined {
  return msg.headers?.get(STAGED_HEADER) || undefined;
}

/** Fetches a staged payload's parts, in order, and joins them. */
export async function fetchStaged(nc: NatsConnection, header: string): Promise<Uint8Array> {
  const [subject, partsText, bytesText] = header.split(' ');
  const parts = Number(partsText);
  const bytes = Number(bytesText);
  if (
    !subject ||
    !Number.isInteger(parts) ||
    !Number.isInteger(bytes) ||
    parts < 1 ||
    bytes > MAX_CARRIED_BYTES
  ) {
    throw new PayloadTransferError(`malformed ${STAGED_HEADER} header`);
  }
  const joined = new Uint8Array(bytes);
  let offset = 0;
  for (let index = 0; index < parts; index++) {
    let part: Uint8Array;
    try {
      part = (await nc.request(subject, text.encode(String(index)), { timeout: PART_TIMEOUT_MS }))
        .data;
    } catch (error: unknown) {
      throw new PayloadTransferError(
        `part ${index} of a staged payload: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (part.length === 0 || offset + part.length > bytes) {
      throw new PayloadTransferError(`part ${index} of a staged payload does not fit`);
    }
    joined.set(part, offset);
    offset += part.length;
  }
  if (offset !== bytes) throw new PayloadTransferError('a staged payload came back short');
  return joined;
}

/** The same message with another payload (the fetched one) or another way to respond. */
export function derivedMsg(
  msg: Msg,
  overrides: { data?: Uint8Array; respond?: Msg['respond'] },
): Msg {
  const data = overrides.data ?? msg.data;
  return {
    subject: msg.subject,
    sid: msg.sid,
    reply: msg.reply,
    headers: msg.headers,
    data,
    respond: overrides.respond ?? ((payload, opts) => msg.respond(payload, opts)),
    json: <T>() => JSON.parse(text.decode(data)) as T,
    string: () => text.decode(data),
  };
}
