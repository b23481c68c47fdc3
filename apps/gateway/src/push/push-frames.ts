import type { MessagePush } from './push-stream';

/** UTF-8 of messages already serialized once (a message pushed to every member of a conversation). */
const messageJson = new WeakMap<object, Buffer>();
const FRAME_END = Buffer.from('}');

/**
 * The payload of a frame sent to a client (a text frame, whichever type this returns). A
 * MessagePush carries the same message object to every connection of the conversation's members
 * (see EventBus.deliver), so its JSON is encoded once and copied into each frame as bytes: one
 * copy per connection, where a string would be built, flattened and encoded for each.
 */
export function serializeFrame(frame: object): string | Buffer {
  if (!isMessagePush(frame)) return JSON.stringify(frame);
  let json = messageJson.get(frame.message);
  if (json === undefined) {
    json = Buffer.from(JSON.stringify(frame.message));
    messageJson.set(frame.message, json);
  }
  const head = Buffer.from(
    `{"@type":"MessagePush","accountId":${JSON.stringify(frame.accountId)},"message":`,
  );
  return Buffer.concat([head, json, FRAME_END], head.length + json.length + 1);
}

function isMessagePush(frame: object): frame is MessagePush {
  return (frame as { '@type'?: unknown })['@type'] === 'MessagePush';
}
