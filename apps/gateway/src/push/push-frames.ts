import type { MessagePush } from './push-stream';

/** JSON of messages already serialized once (a message pushed to every member of a conversation). */
const messageJson = new WeakMap<object, string>();

/**
 * The JSON text of a frame sent to a client. A MessagePush carries the same message object to
 * every connection of the conversation's members (see EventBus.deliver), so its JSON
 * is made once and spliced into each frame.
 */
export function serializeFrame(frame: object): string {
  if (!isMessagePush(frame)) return JSON.stringify(frame);
  let json = messageJson.get(frame.message);
  if (json === undefined) {
    json = JSON.stringify(frame.message);
    messageJson.set(frame.message, json);
  }
  return `{"@type":"MessagePush","accountId":${JSON.stringify(frame.accountId)},"message":${json}}`;
}

function isMessagePush(frame: object): frame is MessagePush {
  return (frame as { '@type'?: unknown })['@type'] === 'MessagePush';
}
