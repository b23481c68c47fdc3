// Command-line options of the chat-load benchmark (defaults: the figures of issue #9).
export const WORKLOADS = ['w1', 'w1-plain', 'w1-2x', 'w2', 'w3'];

const DEFAULTS = {
  only: WORKLOADS,
  seconds: 30,
  drain: 15,
  conversations: 10,
  members: 50,
  senders: 10,
  window: 10,
  rates: [100, 500],
  warmup: 20,
  connections: 10_000,
  concurrency: 100,
  peer: false,
  hardLimit: 2700,
};

export const USAGE = `node bench/chat-load.bench.mjs [options]   (or: npm run bench -- chat-load [options])
  --only LIST           workloads, comma-separated: ${WORKLOADS.join(',')} (default: all)
  --seconds N           length of each W1/W2 run and of the W3 hold (default 30)
  --drain N             at most this long for late deliveries after a run (default 15)
  --conversations N     group conversations (default 10)
  --members N           members of each (default 50)
  --senders N           senders per conversation in W1 and W2; w1-2x doubles it (default 10)
  --window N            W1: sends awaiting their reply per sender (default 10)
  --rates LIST          W2: total offered messages/s, comma-separated (default 100,500)
  --warmup N            W2: seconds at the rate before the measured window, not counted (default 20)
  --connections N       W3: users logged in and holding an idle WebSocket (default 10000)
  --concurrency N       logins and connections opened at once (default 100)
  --peer                first run the ejabberd harness (about 17 minutes) and compare with it
  --hard-limit N        the process ends after N seconds whatever happens (default 2700)`;

const integer = (name, text) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
};

const PARSERS = {
  only: (text) => {
    const names = text.split(',').filter(Boolean);
    const unknown = names.filter((name) => !WORKLOADS.includes(name));
    if (unknown.length > 0) throw new Error(`unknown workload ${unknown.join(', ')}`);
    return names;
  },
  rates: (text) => text.split(',').map((rate) => integer('rates', rate)),
  warmup: (text) => (text === '0' ? 0 : integer('warmup', text)),
};

const NAMES = {
  'hard-limit': 'hardLimit',
};

/** Parses `--name value`, `--name=value` and the flag `--peer`; throws on anything else. */
export function parseOptions(argv) {
  const options = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const name = flag.replace(/^--/, '');
    const key = NAMES[name] ?? name;
    if (!flag.startsWith('--') || !(key in DEFAULTS))
      throw new Error(`unknown argument ${argv[i]}`);
    if (key === 'peer') {
      options.peer = true;
      continue;
    }
    const text = inline ?? argv[++i];
    if (text === undefined) throw new Error(`${flag} needs a value`);
    options[key] = PARSERS[key]?.(text) ?? integer(name, text);
  }
  if (options.senders > options.members) throw new Error('--senders exceeds --members');
  if (options.senders * 2 > options.members && options.only.includes('w1-2x')) {
    throw new Error('w1-2x needs --members of at least twice --senders');
  }
  return options;
}
