import { SetErrorException } from '@jchat/jmap';
import { CHAT_LIMITS } from '@jchat/contracts';
import {
  applyReactionChanges,
  parseMessagePatch,
  parseNewMessage,
  parseUtcDate,
  reactionsOf,
} from './message-input';

const conversationId = '0b7f6b7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const me = '1b7f6b7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const other = '2b7f6b7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

function setError(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof SetErrorException) return error.setError;
    throw error;
  }
  throw new Error('no SetErrorException');
}

describe('parseNewMessage', () => {
  it('accepts a minimal send with defaults', () => {
    expect(parseNewMessage({ conversationId, body: 'hi' })).toEqual({
      conversationId,
      body: 'hi',
      bodyType: 'text/plain',
      replyToMessageId: null,
      attachments: [],
      metadata: {},
      clientMessageId: null,
      proposedSentAt: null,
    });
  });

  it('takes clientMessageId from metadata and a proposed sentAt', () => {
    const input = parseNewMessage({
      conversationId,
      body: 'x',
      metadata: { clientMessageId: 'k1', other: 1 },
      sentAt: '2026-01-01T00:00:00Z',
    });
    expect(input.clientMessageId).toBe('k1');
    expect(input.proposedSentAt?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('refuses server-set properties', () => {
    expect(
      setError(() => parseNewMessage({ conversationId, body: 'x', senderId: me, id: 'a' })),
    ).toMatchObject({
      type: 'invalidProperties',
      properties: ['senderId', 'id'],
    });
  });

  it('names bad properties', () => {
    expect(setError(() => parseNewMessage({ conversationId: 'nope', body: 'x' }))).toMatchObject({
      properties: ['conversationId'],
    });
    expect(
      setError(() => parseNewMessage({ conversationId, body: 'x', bodyType: 'text/rtf' })),
    ).toMatchObject({
      properties: ['bodyType'],
    });
    expect(
      setError(() => parseNewMessage({ conversationId, body: 'x', sentAt: 'yesterday' })),
    ).toMatchObject({
      properties: ['sentAt'],
    });
    expect(setError(() => parseNewMessage({ conversationId, body: '  ' }))).toMatchObject({
      properties: ['body'],
    });
  });

  it('gives tooLarge past the published limits', () => {
    const body = 'é'.repeat(CHAT_LIMITS.maxBodyBytes / 2 + 1);
    expect(setError(() => parseNewMessage({ conversationId, body }))).toMatchObject({
      type: 'tooLarge',
      properties: ['body'],
    });
    const attachments = Array.from({ length: CHAT_LIMITS.maxAttachmentsPerMessage + 1 }, () => ({
      blobId: 'b1',
      type: 'text/plain',
      name: 'a.txt',
    }));
    expect(
      setError(() => parseNewMessage({ conversationId, body: 'x', attachments })),
    ).toMatchObject({
      type: 'tooLarge',
      properties: ['attachments'],
    });
  });

  it('validates attachments', () => {
    expect(
      parseNewMessage({
        conversationId,
        attachments: [{ blobId: 'Babc', type: 'image/png', name: 'p.png', size: 3 }],
      }).attachments,
    ).toEqual([{ blobId: 'Babc', type: 'image/png', name: 'p.png', size: 3 }]);
    expect(
      setError(() =>
        parseNewMessage({ conversationId, attachments: [{ blobId: 'B', type: 'png', name: 'p' }] }),
      ),
    ).toMatchObject({ properties: ['attachments'] });
  });
});

describe('parseMessagePatch', () => {
  it('sorts edits and own reactions', () => {
    expect(
      parseMessagePatch(
        { body: 'new', [`reactions/👍/${me}`]: true, [`reactions/a~1b/${me}`]: null },
        me,
      ),
    ).toEqual({
      edit: { body: 'new', bodyType: undefined },
      reactions: [
        { emoji: '👍', userId: me, add: true },
        { emoji: 'a/b', userId: me, add: false },
      ],
    });
  });

  it("forbids touching someone else's reaction or the whole map", () => {
    expect(
      setError(() => parseMessagePatch({ [`reactions/👍/${other}`]: true }, me)),
    ).toMatchObject({ type: 'forbidden' });
    expect(setError(() => parseMessagePatch({ reactions: {} }, me))).toMatchObject({
      type: 'forbidden',
    });
    expect(setError(() => parseMessagePatch({ 'reactions/👍': { [me]: true } }, me))).toMatchObject(
      { type: 'forbidden' },
    );
  });

  it('refuses other properties and non-boolean reaction values', () => {
    expect(
      setError(() => parseMessagePatch({ senderId: other, 'metadata/x': 1 }, me)),
    ).toMatchObject({
      type: 'invalidProperties',
      properties: ['senderId', 'metadata'],
    });
    expect(setError(() => parseMessagePatch({ [`reactions/👍/${me}`]: false }, me))).toMatchObject({
      type: 'invalidProperties',
    });
  });
});

describe('reactions', () => {
  it('adds and removes entries, dropping empty emoji', () => {
    const start = reactionsOf({ '👍': { [other]: true }, '🎉': { [me]: true } });
    expect(
      applyReactionChanges(start, [
        { emoji: '👍', userId: me, add: true },
        { emoji: '🎉', userId: me, add: false },
      ]),
    ).toEqual({ '👍': { [me]: true, [other]: true } });
  });

  it('keeps an emoji named __proto__ as data', () => {
    const next = applyReactionChanges({}, [{ emoji: '__proto__', userId: me, add: true }]);
    expect(Object.keys(next)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(next)).toBe(Object.prototype);
  });
});

describe('parseUtcDate', () => {
  it('takes RFC 8620 UTCDates, with or without fractional seconds', () => {
    expect(parseUtcDate('2026-01-01T12:30:15Z')?.toISOString()).toBe('2026-01-01T12:30:15.000Z');
    expect(parseUtcDate('0001-01-01T00:00:00.5Z')?.toISOString()).toBe('0001-01-01T00:00:00.500Z');
    expect(parseUtcDate('9999-12-31T23:59:59.999999999Z')?.getUTCFullYear()).toBe(9999);
    expect(parseUtcDate('2024-02-29T00:00:00Z')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });

  it('refuses dates that do not exist or that PostgreSQL cannot hold', () => {
    for (const value of [
      '0000-01-01T00:00:00.000Z', // no year 0 in PostgreSQL
      '2024-02-30T00:00:00Z', // JavaScript would make it 1 March
      '2023-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T23:60:00Z',
      '2024-01-01T23:59:60Z',
      '2024-01-01T00:00:00',
      '+275760-09-13T00:00:00.000Z',
    ]) {
      expect(parseUtcDate(value)).toBeNull();
    }
  });
});
