import * as jmap from './index';

describe('the public API', () => {
  it.each([
    'JmapMethodError',
    'SetErrorException',
    'JmapRequestError',
    'RequestErrorTypes',
    'CORE_CAPABILITY',
    'CHAT_CAPABILITY',
    'WEBSOCKET_CAPABILITY',
    'parseJsonBody',
    'parseRequest',
    'resolveResultReferences',
    'applyPatch',
    'patchTouchedProperties',
    'encodeState',
    'decodeState',
    'parseGetArguments',
    'parseSetArguments',
    'parseChangesArguments',
    'parseQueryArguments',
    'parseQueryChangesArguments',
    'windowQueryResults',
    'queryChangesFromLists',
    'checkIfInState',
    'buildSetResponse',
    'buildQueryResponse',
    'buildQueryChangesResponse',
    'runSet',
  ])('exports %s', (name) => {
    expect(jmap).toHaveProperty(name);
  });

  it('names the capabilities', () => {
    expect(jmap.CORE_CAPABILITY).toBe('urn:ietf:params:jmap:core');
    expect(jmap.CHAT_CAPABILITY).toBe('urn:ietf:params:jmap:chat');
    expect(jmap.WEBSOCKET_CAPABILITY).toBe('urn:ietf:params:jmap:websocket');
  });
});
