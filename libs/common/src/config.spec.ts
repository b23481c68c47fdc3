import {
  ConfigError,
  int,
  loadConfig,
  optionalStr,
  optionalUrl,
  prefix,
  secret,
  str,
  url,
} from './config';

const spec = {
  DATABASE_URL: url('PostgreSQL connection URL', ['postgres', 'postgresql']),
  NATS_URL: url('NATS server URL', ['nats', 'tls'], 'nats://127.0.0.1:4222'),
  PUBLIC_BASE_URL: optionalUrl('public origin', ['http', 'https']),
  JCHAT_PREFIX: prefix('prefix of subjects and keys'),
  JWT_SECRET: secret('HMAC key', 32),
  HOST: str('address to listen on', '127.0.0.1'),
  NAME: optionalStr('a label'),
  PORT: int('HTTP port', 8080, 0, 65535),
};

const valid = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/jchat',
  JWT_SECRET: 'x'.repeat(32),
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(spec, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('loadConfig', () => {
  it('applies defaults, trims values and leaves unset optional settings undefined', () => {
    expect(loadConfig(spec, { ...valid, HOST: '  0.0.0.0 ', NAME: ' ', PORT: '' })).toEqual({
      DATABASE_URL: valid.DATABASE_URL,
      NATS_URL: 'nats://127.0.0.1:4222',
      PUBLIC_BASE_URL: undefined,
      JCHAT_PREFIX: 'jchat',
      JWT_SECRET: valid.JWT_SECRET,
      HOST: '0.0.0.0',
      NAME: undefined,
      PORT: 8080,
    });
  });

  it('parses integers and optional values that are set', () => {
    const config = loadConfig(spec, {
      ...valid,
      PORT: '0',
      NAME: 'ann',
      PUBLIC_BASE_URL: 'https://chat.example.com',
      JCHAT_PREFIX: 't0a1-b_2',
    });
    expect(config).toMatchObject({
      PORT: 0,
      NAME: 'ann',
      PUBLIC_BASE_URL: 'https://chat.example.com',
      JCHAT_PREFIX: 't0a1-b_2',
    });
  });

  it('names every missing required setting with what it is', () => {
    expect(problemsOf({})).toEqual([
      'DATABASE_URL: is required (PostgreSQL connection URL)',
      'JWT_SECRET: is required (HMAC key)',
    ]);
    expect(problemsOf({ DATABASE_URL: '   ', JWT_SECRET: '' })).toHaveLength(2);
  });

  it('says what is wrong with each malformed setting, all at once', () => {
    expect(
      problemsOf({
        DATABASE_URL: 'mysql://db/jchat',
        NATS_URL: 'not a url',
        PUBLIC_BASE_URL: 'ftp://example.com',
        JCHAT_PREFIX: '1abc',
        JWT_SECRET: 'short',
        PORT: '80x',
      }),
    ).toEqual([
      'DATABASE_URL: must use one of postgres, postgresql, got mysql: (PostgreSQL connection URL)',
      'NATS_URL: is not a URL (NATS server URL)',
      'PUBLIC_BASE_URL: must use one of http, https, got ftp: (public origin)',
      'JCHAT_PREFIX: must be letters, digits, _ or -, starting with a letter (max 32) (prefix of subjects and keys)',
      'JWT_SECRET: must be at least 32 characters (HMAC key)',
      'PORT: must be an integer, got "80x" (HTTP port)',
    ]);
  });

  it('refuses integers out of range and prefixes over 32 characters', () => {
    expect(problemsOf({ ...valid, PORT: '65536' })).toEqual([
      'PORT: must be between 0 and 65535 (HTTP port)',
    ]);
    expect(problemsOf({ ...valid, PORT: '-1' })).toEqual([
      'PORT: must be between 0 and 65535 (HTTP port)',
    ]);
    expect(problemsOf({ ...valid, PORT: '1.5' })).toEqual([
      'PORT: must be an integer, got "1.5" (HTTP port)',
    ]);
    expect(problemsOf({ ...valid, JCHAT_PREFIX: `a${'b'.repeat(32)}` })).toHaveLength(1);
  });

  it('puts every problem in the error message, one per line', () => {
    expect(() => loadConfig(spec, { JWT_SECRET: 'short' })).toThrow(
      'invalid configuration:\n  DATABASE_URL: is required (PostgreSQL connection URL)\n' +
        '  JWT_SECRET: must be at least 32 characters (HMAC key)',
    );
  });
});

describe('a setting on its own', () => {
  it('answers a value or a problem (what the deployment manifests test asks)', () => {
    expect(spec.NATS_URL.parse(undefined)).toEqual({ value: 'nats://127.0.0.1:4222' });
    expect(spec.DATABASE_URL.parse(undefined)).toEqual({ problem: 'is required' });
    expect(spec.PORT.parse('70000')).toEqual({ problem: 'must be between 0 and 65535' });
    expect(spec.NAME.parse(undefined)).toEqual({ value: undefined });
  });
});
