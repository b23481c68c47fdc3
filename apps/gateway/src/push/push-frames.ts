import type { MessagePush } from './push-stream';

/** UTF-8 of messages already serialized once (a message pushed to every member of a conversation). */
const messageJson = new WeakMap<object, Buffer>();
const FRAME_END = Buffer.from('}');
/** The bytes before the message, per account: the same for every push to that account. */
const heads = new Map<string, Buffer>();
/** Accounts whose head is kept at most (about 100 bytes each); past it the cache starts over. */
const MAX_HEADS = 100_000;

/**
 * The payload of a frame sent to a client (a text frame, whichever type this returns). A
 * MessagePush carries the same message object to every connection of the conversation's members
 * (see EventBus.deliver), so its JSON is encoded once and copied into each frame as bytes, after
 * the account's head (also encoded once): one copy per connection, where a string would be
 * built, flattened and encoded for each.
 */
export function serializeFrame(frame: object): string | Buffer {
  if (!isMessagePush(frame)) return JSON.stringify(frame);
  let json = messageJson.get(frame.message);
  if (json === undefined) {
    json = Buffer.from(JSON.stringify(frame.message));
    messageJson.set(frame.message, json);
  }
  const head = messagePushHead(frame.accountId);
  return Buffer.concat([head, json, FRAME_END], head.length + json.length + 1);
}

function messagePushHead(accountId: string): Buffer {
  let head = heads.get(accountId);
  if (head === undefined) {
    if (heads.size >= MAX_HEADS) heads.clear();
    head = Buffer.from(
      `{"@type":"MessagePush","accountId":${JSON.stringify(accountId)},"message":`,
    );
    heads.set(accountId, head);
  }
  return head;
}

function isMessagePush(frame: object): frame is MessagePush {
  return (frame as { '@type'?: unknown })['@type'] === 'MessagePush';
}
