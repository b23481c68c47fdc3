import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import type { AuthUser } from '../../auth/auth-user';
import type { JmapApiService } from '../../jmap/jmap-api.service';
import type { JmapSessionService } from '../../jmap/jmap-session.service';
import { currentRequestId } from '@jchat/common';
import { pushStats } from '../../metrics/push-metrics';
import type { PushSession } from '../push-sessions.service';
import { WsConnection } from './ws-connection';

class FakeSocket extends EventEmitter {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith: [number, string] | null = null;
  terminated = false;
  pings = 0;

  send(data: string): void {
    this.sent.push(data);
  }
  close(code: number, reason: string): void {
    this.closedWith = [code, reason];
    this.readyState = WebSocket.CLOSING;
  }
  terminate(): void {
    this.terminated = true;
  }
  ping(): void {
    this.pings += 1;
  }
}

const user: AuthUser = { userId: 'u1', sessionId: 's1' };

function setup(
  handle: JmapApiService['handle'] = async () => ({ methodResponses: [], sessionState: 'x' }),
) {
  const socket = new FakeSocket();
  const connection = new WsConnection(socket as unknown as WebSocket, user, {
    api: { handle } as unknown as JmapApiService,
    sessions: { sessionState: () => 'session-state' } as unknown as JmapSessionService,
    maxBufferedBytes: 1000,
  });
  const session = {
    enable: jest.fn(),
    disable: jest.fn(),
    touch: jest.fn(),
    end: jest.fn(),
    close: jest.fn((reason: 'tooSlow' | 'restart') => connection.close(reason)),
  };
  connection.bind(session as unknown as PushSession);
  return { socket, connection, session };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('WsConnection', () => {
  it('answers a Request frame with a Response carrying its id', async () => {
    const { socket, session } = setup(async () => ({
      methodResponses: [['Core/echo', { a: 1 }, 'c']],
      sessionState: 's',
    }));
    socket.emit(
      'message',
      Buffer.from('{"@type":"Request","id":"R7","using":[],"methodCalls":[]}'),
      false,
    );
    await flush();
    expect(JSON.parse(socket.sent[0]!)).toEqual({
      '@type': 'Response',
      requestId: 'R7',
      methodResponses: [['Core/echo', { a: 1 }, 'c']],
      sessionState: 's',
    });
    // Reading is not activity; changing something is.
    expect(session.touch).not.toHaveBeenCalled();
    socket.emit(
      'message',
      Buffer.from('{"@type":"Request","using":[],"methodCalls":[["Presence/set",{},"s"]]}'),
      false,
    );
    expect(session.touch).toHaveBeenCalledTimes(1);
  });

  it('turns push control frames into session calls', () => {
    const { socket, session } = setup();
    socket.emit(
      'message',
      Buffer.from(
        '{"@type":"WebSocketPushEnable","dataTypes":["Message"],"includeObjects":["Message"]}',
      ),
      false,
    );
    expect(session.enable).toHaveBeenCalledWith(
      { dataTypes: new Set(['Message']), includeMessages: true },
      null,
    );
    socket.emit('message', Buffer.from('{"@type":"WebSocketPushDisable"}'), false);
    expect(session.disable).toHaveBeenCalled();
  });

  it('refuses binary frames', () => {
    const { socket } = setup();
    socket.emit('message', Buffer.from([1, 2, 3]), true);
    expect(JSON.parse(socket.sent[0]!)).toMatchObject({
      '@type': 'RequestError',
      type: 'urn:ietf:params:jmap:error:notJSON',
    });
  });

  it('closes a socket that has fallen too far behind instead of buffering more', () => {
    const { socket, connection, session } = setup();
    connection.emit({ '@type': 'Typing', conversationId: 'c', userId: 'u', isTyping: true });
    expect(socket.sent).toHaveLength(1);
    socket.bufferedAmount = 5000;
    connection.emit({ '@type': 'Typing', conversationId: 'c', userId: 'u', isTyping: false });
    expect(socket.sent).toHaveLength(1);
    expect(session.close).toHaveBeenCalledWith('tooSlow');
    expect(socket.closedWith).toEqual([1013, 'too far behind: reconnect and resync']);
  });

  it('drops a socket that does not answer pings', () => {
    const { socket, connection } = setup();
    connection.ping();
    socket.emit('pong');
    connection.ping();
    expect(socket.terminated).toBe(false);
    connection.ping();
    expect(socket.terminated).toBe(true);
    expect(socket.pings).toBe(2);
  });

  it('counts the push frames it sends and those it drops', () => {
    const { socket, connection } = setup();
    const before = structuredClone(pushStats.websocket);
    const typing = { '@type': 'Typing', conversationId: 'c', userId: 'u', isTyping: true } as const;
    connection.emit(typing);
    socket.bufferedAmount = 5000;
    connection.emit(typing); // too far behind: dropped, and the socket closes
    connection.emit(typing); // closing: dropped
    expect(pushStats.websocket.sent - before.sent).toBe(1);
    expect(pushStats.websocket.dropped.slow - before.dropped.slow).toBe(1);
    expect(pushStats.websocket.dropped.closed - before.dropped.closed).toBe(1);
  });

  it('runs each Request frame under a request id of its own', async () => {
    const seen: (string | undefined)[] = [];
    const { socket } = setup(async (_text, _user, requestId) => {
      await flush();
      seen.push(currentRequestId(), requestId);
      return { methodResponses: [], sessionState: 's' };
    });
    socket.emit('message', Buffer.from('{"@type":"Request","using":[],"methodCalls":[]}'), false);
    socket.emit('message', Buffer.from('{"@type":"Request","using":[],"methodCalls":[]}'), false);
    await flush();
    await flush();
    expect(seen).toHaveLength(4);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).toBe(seen[3]);
    expect(seen[0]).not.toBe(seen[2]);
  });

  it('on restart, answers the requests it runs, refuses new ones, then closes with 1012', async () => {
    let finish: () => void = () => undefined;
    const { socket, connection } = setup(async () => {
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      return { methodResponses: [['Core/echo', {}, 'c']], sessionState: 's' };
    });
    socket.emit(
      'message',
      Buffer.from('{"@type":"Request","id":"slow","using":[],"methodCalls":[]}'),
      false,
    );
    connection.close('restart');
    expect(socket.closedWith).toBeNull();
    socket.emit(
      'message',
      Buffer.from('{"@type":"Request","id":"late","using":[],"methodCalls":[]}'),
      false,
    );
    expect(JSON.parse(socket.sent[0]!)).toMatchObject({
      '@type': 'RequestError',
      requestId: 'late',
      status: 503,
    });
    finish();
    await flush();
    expect(JSON.parse(socket.sent[1]!)).toMatchObject({ '@type': 'Response', requestId: 'slow' });
    expect(socket.closedWith).toEqual([1012, 'service restart']);
  });

  it('on restart with nothing running, closes with 1012 at once', () => {
    const { socket, connection } = setup();
    connection.close('restart');
    expect(socket.closedWith).toEqual([1012, 'service restart']);
  });
});
