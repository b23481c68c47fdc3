import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import type { AuthUser } from '../../auth/auth-user';
import type { JmapApiService } from '../../jmap/jmap-api.service';
import type { SessionService } from '../../jmap/session.service';
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
    sessions: { sessionState: () => 'session-state' } as unknown as SessionService,
    maxBufferedBytes: 1000,
  });
  const session = {
    enable: jest.fn(),
    disable: jest.fn(),
    touch: jest.fn(),
    end: jest.fn(),
    close: jest.fn((reason: 'tooSlow') => connection.close(reason)),
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
});
