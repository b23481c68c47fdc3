import { JmapMethodError } from '@jchat/jmap';
import { compileFilter } from './message-filter';

const c1 = '0b7f6b7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

describe('compileFilter', () => {
  it('is TRUE without a filter', () => {
    expect(compileFilter(null).where.text).toBe('TRUE');
  });

  it('compiles conditions with parameters and collects conversation ids and texts', () => {
    const compiled = compileFilter({
      conversationId: c1,
      text: 'hello world',
      isSystemMessage: false,
    });
    expect(compiled.where.text).toBe(
      "(m.conversation_id = $1::uuid AND m.search @@ websearch_to_tsquery('simple', $2) AND m.is_system_message = $3)",
    );
    expect(compiled.where.values).toEqual([c1, 'hello world', false]);
    expect(compiled.conversationIds).toEqual([c1]);
    expect(compiled.texts).toEqual(['hello world']);
    expect(compiled.isMutable).toBe(true);
  });

  it('compiles operators, NOT as none-of', () => {
    const compiled = compileFilter({
      operator: 'AND',
      conditions: [
        { after: '2026-01-01T00:00:00Z' },
        { operator: 'NOT', conditions: [{ hasAttachment: true }, { text: 'x' }] },
      ],
    });
    expect(compiled.where.text).toBe(
      "((m.sent_at >= $1::timestamptz) AND NOT ((m.attachments <> '[]'::jsonb) OR (m.search @@ websearch_to_tsquery('simple', $2))))",
    );
    expect(compiled.texts).toEqual([]);
  });

  it('can compile mutable conditions as unknown', () => {
    const compiled = compileFilter(
      { operator: 'NOT', conditions: [{ text: 'x', isSystemMessage: true }] },
      { mutableAsUnknown: true },
    );
    expect(compiled.where.text).toBe('NOT ((NULL::boolean AND m.is_system_message = $1))');
    expect(compiled.isMutable).toBe(true);
  });

  it('matches nothing for ids that cannot exist', () => {
    expect(compileFilter({ senderId: 'not-a-uuid' }).where.text).toBe('(FALSE)');
  });

  it('refuses values of the wrong type', () => {
    expect(() => compileFilter({ before: 'tomorrow' })).toThrow(JmapMethodError);
    expect(() => compileFilter({ hasAttachment: 'yes' })).toThrow(JmapMethodError);
    expect(() => compileFilter({ text: '' })).toThrow(JmapMethodError);
  });
});
