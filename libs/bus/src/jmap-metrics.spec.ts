import { register } from 'prom-client';
import { jmapMethodLabel, jmapOutcomeLabel, recordJmapCall } from './jmap-metrics';

describe('JMAP call metrics', () => {
  it('label only known methods by name: a client-chosen name is "other"', () => {
    expect(jmapMethodLabel('Message/get')).toBe('Message/get');
    expect(jmapMethodLabel('ConversationRole/queryChanges')).toBe('ConversationRole/queryChanges');
    expect(jmapMethodLabel('Core/echo')).toBe('Core/echo');
    for (const name of [
      'Message/x1f9',
      'Nope/get',
      'Core/get',
      'Message',
      '/get',
      'a/b/c',
      'toString/get',
    ]) {
      expect(jmapMethodLabel(name)).toBe('other');
    }
  });

  it('label the outcome ok or with a JMAP error type, never a free string', () => {
    expect(jmapOutcomeLabel([['Message/get', {}, 'c']])).toBe('ok');
    expect(jmapOutcomeLabel([['error', { type: 'stateMismatch' }, 'c']])).toBe('stateMismatch');
    expect(jmapOutcomeLabel([['error', { type: 'made-up-by-someone' }, 'c']])).toBe('other');
    expect(jmapOutcomeLabel([['error', {}, 'c']])).toBe('other');
  });

  it('count calls by method and outcome, with their time', async () => {
    recordJmapCall('Message/get', [['Message/get', {}, 'c']], 0.003);
    recordJmapCall('Message/get', [['error', { type: 'serverUnavailable' }, 'c']], 2);
    recordJmapCall('Whatever/x', [['error', { type: 'unknownMethod' }, 'c']], 0.0001);
    const text = await register.metrics();
    expect(text).toMatch(/^jchat_jmap_calls_total\{method="Message\/get",outcome="ok"\} 1$/m);
    expect(text).toMatch(
      /^jchat_jmap_calls_total\{method="Message\/get",outcome="serverUnavailable"\} 1$/m,
    );
    expect(text).toMatch(/^jchat_jmap_calls_total\{method="other",outcome="unknownMethod"\} 1$/m);
    expect(text).toMatch(/^jchat_jmap_call_duration_seconds_count\{method="Message\/get"\} 2$/m);
    expect(text).toMatch(
      /^jchat_jmap_call_duration_seconds_bucket\{le="0.005",method="Message\/get"\} 1$/m,
    );
  });
});
