import { JmapMethodError, JmapRequestError, RequestErrorTypes, SetErrorException } from './errors';

describe('JmapMethodError', () => {
  it('serialises type and description', () => {
    const error = new JmapMethodError('invalidArguments', '"ids" must be an array');
    expect(error).toBeInstanceOf(Error);
    expect(error.toResponseArgs()).toEqual({
      type: 'invalidArguments',
      description: '"ids" must be an array',
    });
  });

  it('omits a missing description', () => {
    expect(new JmapMethodError('forbidden').toResponseArgs()).toEqual({ type: 'forbidden' });
  });

  it('adds extra properties but never lets them replace the type', () => {
    const error = new JmapMethodError('invalidArguments', undefined, {
      properties: ['name'],
      type: 'serverFail',
    });
    expect(error.toResponseArgs()).toEqual({ type: 'invalidArguments', properties: ['name'] });
  });

  it('becomes an "error" invocation', () => {
    expect(new JmapMethodError('unknownMethod').toInvocation('c1')).toEqual([
      'error',
      { type: 'unknownMethod' },
      'c1',
    ]);
  });

  it('has a message naming the type and description', () => {
    expect(new JmapMethodError('stateMismatch', 'old').message).toBe('stateMismatch: old');
  });
});

describe('SetErrorException', () => {
  it('carries the SetError', () => {
    const setError = { type: 'invalidProperties' as const, properties: ['title'] };
    const exception = new SetErrorException(setError);
    expect(exception).toBeInstanceOf(Error);
    expect(exception.setError).toBe(setError);
    expect(exception.message).toBe('invalidProperties');
  });
});

describe('JmapRequestError', () => {
  it('renders an RFC 7807 problem with status 400', () => {
    const error = new JmapRequestError(RequestErrorTypes.notRequest, 'bad shape');
    expect(error.toProblem()).toEqual({
      type: 'urn:ietf:params:jmap:error:notRequest',
      status: 400,
      detail: 'bad shape',
    });
  });

  it('includes the limit name for limit errors', () => {
    const error = new JmapRequestError(RequestErrorTypes.limit, 'too many', {
      limit: 'maxCallsInRequest',
    });
    expect(error.toProblem()).toEqual({
      type: 'urn:ietf:params:jmap:error:limit',
      status: 400,
      detail: 'too many',
      limit: 'maxCallsInRequest',
    });
  });

  it('accepts another status', () => {
    const error = new JmapRequestError(RequestErrorTypes.limit, 'busy', {
      limit: 'maxConcurrentRequests',
      status: 429,
    });
    expect(error.status).toBe(429);
  });
});
