// Command-line options of `npm run test:fuzz`.

export const USAGE = `npm run test:fuzz -- [options]

  --seed S            seed of the run (default: a random one, printed); cases are built from it
  --requests N        cases to send (default 100000)
  --concurrency C     cases in flight at once (default 24)
  --ws-share F        share of the cases sent over the WebSocket (default 0.5)
  --warmup N          cases before the starting memory is read (default 5% of --requests)
  --replay I[,J...]   only build and send those cases (of --seed), one at a time, printing each
                      request and its answers in full
  --keep-logs         keep the apps' logs (their directory is printed)
  --no-build          do not run node scripts/build.mjs first
  --max-seconds S     send no new case after S seconds of sending (default 900); the report
                      then counts the cases sent
  --hard-limit S      stop after S seconds whatever happens, without a report (default 1500)
  --help`;

export function parseOptions(argv) {
  const options = {
    seed: String(Math.floor(Math.random() * 2 ** 31)),
    requests: 100_000,
    concurrency: 24,
    wsShare: 0.5,
    warmup: undefined,
    replay: null,
    keepLogs: false,
    build: true,
    maxSeconds: 900,
    hardLimit: 1500,
    help: false,
  };
  const number = (name, value, min) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--seed':
        options.seed = value();
        break;
      case '--requests':
        options.requests = Math.floor(number(arg, value(), 1));
        break;
      case '--concurrency':
        options.concurrency = Math.floor(number(arg, value(), 1));
        break;
      case '--ws-share':
        options.wsShare = number(arg, value(), 0);
        break;
      case '--warmup':
        options.warmup = Math.floor(number(arg, value(), 0));
        break;
      case '--replay':
        options.replay = value()
          .split(',')
          .map((x) => Math.floor(number(arg, x, 0)));
        break;
      case '--keep-logs':
        options.keepLogs = true;
        break;
      case '--no-build':
        options.build = false;
        break;
      case '--max-seconds':
        options.maxSeconds = number(arg, value(), 1);
        break;
      case '--hard-limit':
        options.hardLimit = number(arg, value(), 10);
        break;
      case '--help':
        options.help = true;
        break;
      default:
        throw new Error(`unknown option ${arg}`);
    }
  }
  options.warmup ??= Math.min(options.requests, Math.max(200, Math.round(options.requests * 0.05)));
  return options;
}
