import { createLogger } from './logger';
import { runWithRequestId } from './observability/request-context';

function capture(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  });
  return { lines, restore: () => spy.mockRestore() };
}

describe('createLogger', () => {
  const saved = { format: process.env.LOG_FORMAT, level: process.env.LOG_LEVEL };
  afterEach(() => {
    process.env.LOG_FORMAT = saved.format;
    process.env.LOG_LEVEL = saved.level;
    if (saved.format === undefined) delete process.env.LOG_FORMAT;
    if (saved.level === undefined) delete process.env.LOG_LEVEL;
  });

  it('puts the request id on lines written deep inside the request, after awaits', async () => {
    delete process.env.LOG_FORMAT;
    const logger = createLogger('svc');
    const out = capture();
    try {
      const deeper = async (): Promise<void> => {
        await new Promise((resolve) => setImmediate(resolve));
        await Promise.resolve();
        logger.log('deep inside');
      };
      await runWithRequestId('req-42', async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        await deeper();
      });
      logger.log('outside any request');
      await runWithRequestId(undefined, async () => logger.log('no id given'));
    } finally {
      out.restore();
    }
    const [deep, outside, none] = out.lines.map(
      (line) => JSON.parse(line) as Record<string, unknown>,
    );
    expect(deep).toMatchObject({ message: 'deep inside', context: 'svc', requestId: 'req-42' });
    expect(outside).not.toHaveProperty('requestId');
    expect(none).not.toHaveProperty('requestId');
  });

  it('does not leak an id into a request without one started inside it', async () => {
    const logger = createLogger('svc');
    const out = capture();
    try {
      await runWithRequestId('outer', () =>
        runWithRequestId(undefined, async () => logger.log('x')),
      );
    } finally {
      out.restore();
    }
    expect(JSON.parse(out.lines[0]!)).not.toHaveProperty('requestId');
  });

  it('names the request in pretty lines too', async () => {
    process.env.LOG_FORMAT = 'pretty';
    const logger = createLogger('svc');
    const out = capture();
    try {
      await runWithRequestId('abc', async () => logger.warn('careful'));
    } finally {
      out.restore();
    }
    // eslint-disable-next-line no-control-regex
    const plain = out.lines.join('').replace(/\x1b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/\[svc\] \[req abc\] careful/);
  });
});
