// The chat-load benchmark's results file, in Markdown: the side-by-side table with ejabberd,
// then each workload's figures, the processes' CPU and memory, and what the apps logged.
import { GROUPS } from './processes.mjs';

const TARGETS = {
  w1Accepted: '≥ 1,000',
  w1Deliveries: '≥ 49,000',
  w2At100: '≤ 10 ms',
  w2At500: '≤ 20 ms',
  w3Memory: '≤ 24 KiB',
  w3Rate: '≥ 1,000',
};

const show = (value, unit = '') =>
  value === null || value === undefined ? '–' : `${value}${unit}`;
const row = (cells) => `| ${cells.join(' | ')} |`;
const latencyPair = (summary) =>
  summary?.n ? `${summary.p50_ms} / ${summary.p99_ms} ms` : summary ? 'no deliveries' : null;
const kinds = (counts) =>
  Object.entries(counts ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ') || 'none';

function comparisonTable(results) {
  const { w1, w3 } = results.workloads;
  const plain = results.workloads['w1-plain'];
  const doubled = results.workloads['w1-2x'];
  const at100 = results.workloads['w2-100'];
  const at500 = results.workloads['w2-500'];
  const d = results.peer.figures.default;
  const m = results.peer.figures.mam;
  const ran = (record, value) => (record ? show(value) : 'not run');
  const lines = [
    row(['', 'ejabberd, no archive', 'ejabberd + archive', 'JCHAT target', 'JCHAT measured']),
    row(['---', '---', '---', '---', '---']),
    row([
      'W1 accepted msg/s (persisted)',
      show(d.w1_accepted_per_s),
      show(m.w1_accepted_per_s),
      TARGETS.w1Accepted,
      ran(w1, w1?.accepted_in_window_per_s),
    ]),
    row([
      'W1 deliveries/s',
      show(d.w1_deliveries_per_s),
      show(m.w1_deliveries_per_s),
      TARGETS.w1Deliveries,
      ran(w1, w1?.deliveries_in_window_per_s),
    ]),
    row([
      'W1 p50 / p99 send→delivery',
      d.w1_p50_ms ? `${d.w1_p50_ms} / ${d.w1_p99_ms} ms` : '–',
      m.w1_p50_ms ? `${m.w1_p50_ms} / ${m.w1_p99_ms} ms` : '–',
      '–',
      ran(w1, latencyPair(w1?.latency_delivery)),
    ]),
    row([
      'W1 missing / duplicate deliveries',
      '–',
      '–',
      '0 / 0',
      ran(w1, w1 && `${w1.missing_after_drain} / ${w1.duplicate_deliveries}`),
    ]),
    row([
      'W1 without opt-in (StateChange + fetch): accepted/s, deliveries/s, p99',
      '–',
      '–',
      '–',
      ran(
        plain,
        plain &&
          `${plain.accepted_in_window_per_s}, ${plain.deliveries_in_window_per_s}, ${show(plain.latency_delivery.p99_ms, ' ms')}`,
      ),
    ]),
    row([
      'W1 with 2× senders: accepted msg/s (steady: W1 steady); refusals',
      '–',
      '–',
      '≥ W1; excess refused retryably',
      ran(
        doubled,
        doubled &&
          `${doubled.accepted_in_window_per_s} (${show(doubled.accepted_steady_per_s)}: ${show(w1?.accepted_steady_per_s)}); ${kinds(doubled.refusals)} (${doubled.retryable_refusals} retryable)`,
      ),
    ]),
    row([
      'W2 at 100 msg/s: p99 send→delivery',
      show(d.w2_100_p99_ms, ' ms'),
      show(m.w2_100_p99_ms, ' ms'),
      TARGETS.w2At100,
      ran(at100, show(at100?.latency_delivery.p99_ms, ' ms')),
    ]),
    row([
      'W2 at 500 msg/s: p99 send→delivery',
      show(d.w2_500_p99_ms, ' ms'),
      show(m.w2_500_p99_ms, ' ms'),
      TARGETS.w2At500,
      ran(at500, show(at500?.latency_delivery.p99_ms, ' ms')),
    ]),
    row([
      'W3 memory per idle connection',
      show(d.w3_kib_per_connection, ' KiB (RSS)'),
      show(m.w3_kib_per_connection, ' KiB (RSS)'),
      TARGETS.w3Memory,
      ran(w3, show(w3?.pss_kib_per_connection, ' KiB (PSS)')),
    ]),
    row([
      'W3 connections/s',
      show(d.w3_connections_per_s, ' (XMPP login)'),
      show(m.w3_connections_per_s, ' (XMPP login)'),
      TARGETS.w3Rate,
      ran(w3, w3 && `${w3.connections_per_s} (logins ${w3.logins_per_s}/s)`),
    ]),
  ];
  return lines.join('\n');
}

const GROUP_ROWS = [
  [
    'offered / new messages / Message/set attempts per s',
    (r) => `${show(r.params.offered_rate)} / ${r.messages_per_s} / ${r.attempts_per_s}`,
  ],
  ['senders (window)', (r) => `${r.params.senders} (${show(r.params.window)})`],
  ['push', (r) => r.params.push],
  [
    'accepted per s (in window) / total',
    (r) => `${r.accepted_in_window_per_s} / ${r.accepted_total}`,
  ],
  [
    'accepted per s once the pipelines are full (W1: after the first 5 s)',
    (r) => show(r.accepted_steady_per_s),
  ],
  [
    'deliveries per s (in window) / total',
    (r) => `${r.deliveries_in_window_per_s} / ${r.deliveries_total}`,
  ],
  ['send→delivery p50/p95/p99/max ms', (r) => latencies(r.latency_delivery)],
  ['send→reply (accepted) p50/p95/p99/max ms', (r) => latencies(r.latency_reply)],
  [
    'missing / duplicate deliveries after drain',
    (r) => `${r.missing_after_drain} / ${r.duplicate_deliveries}`,
  ],
  [
    'messages never accepted (their deliveries anyway)',
    (r) => `${r.unacknowledged_messages} (${r.deliveries_of_unacknowledged})`,
  ],
  [
    'unanswered after drain / late replies',
    (r) => `${r.unanswered_after_drain} / ${r.late_replies}`,
  ],
  ['refusals (retryable)', (r) => `${kinds(r.refusals)} (${r.retryable_refusals})`],
  ['fetch errors', (r) => (r.fetch_errors ? kinds(r.fetch_errors) : '–')],
  ['sockets closed by the server', (r) => kinds(r.sockets_closed_by_server)],
  [
    'connected (errors) in s',
    (r) => `${r.connected} (${kinds(r.connect_errors)}) in ${r.connect_s}`,
  ],
  ['drain s', (r) => r.drain_s],
  [
    'generator CPU % / machine busy %',
    (r) => `${r.resources.generator.cpu_pct} / ${r.resources.machine_busy_pct_of_all_cores}`,
  ],
  [
    "generator's event-loop delay p99 / max ms (counted in its latencies)",
    (r) => {
      const { loop_delay_p99_ms: p99, loop_delay_max_ms: max } = r.resources.generator;
      return p99 === undefined ? '–' : `${p99} / ${max}`;
    },
  ],
];

function latencies(summary) {
  return summary.n
    ? `${summary.p50_ms} / ${summary.p95_ms} / ${summary.p99_ms} / ${summary.max_ms}`
    : '–';
}

function groupTable(results) {
  const names = Object.keys(results.workloads).filter((name) => name !== 'w3');
  if (names.length === 0) return 'Not run.';
  return [
    row(['', ...names]),
    row(['---', ...names.map(() => '---')]),
    ...GROUP_ROWS.map(([label, cell]) =>
      row([label, ...names.map((name) => cell(results.workloads[name]))]),
    ),
  ].join('\n');
}

function resourceTable(results) {
  const names = Object.keys(results.workloads);
  if (names.length === 0) return 'No workload ran.';
  const cell = (name, group) => {
    const usage = results.workloads[name].resources.server[group];
    return `${usage.cpu_pct}% / ${usage.pss_mib_max}`;
  };
  return [
    row(['CPU % of one core / max PSS MiB', ...names]),
    row(['---', ...names.map(() => '---')]),
    ...[...GROUPS, 'total'].map((group) => row([group, ...names.map((name) => cell(name, group))])),
    row([
      'generator (RSS)',
      ...names.map((name) => {
        const generator = results.workloads[name].resources.generator;
        return `${generator.cpu_pct}% / ${generator.rss_mib_max}`;
      }),
    ]),
  ].join('\n');
}

function idleSection(w3) {
  if (!w3) return '';
  const byProcess = Object.entries(w3.pss_kib_per_connection_by_process)
    .map(([name, kib]) => `${name} ${kib}`)
    .join(', ');
  return [
    `W3: ${w3.logged_in} logins in ${w3.login_s} s (${w3.logins_per_s}/s, errors: ${kinds(w3.login_errors)}); ` +
      `${w3.connected} push-enabled WebSockets in ${w3.connect_s} s (${w3.connections_per_s}/s, errors: ${kinds(w3.connect_errors)}), ` +
      `${w3.alive_after_hold} still open after ${w3.params.hold_s} s. PSS of all processes with half of them open ${w3.pss_mib_half} MiB, with all ${w3.pss_mib_after} MiB: ` +
      `${w3.pss_kib_per_connection} KiB per connection, the growth of the processes that grew ` +
      `(each after a full garbage collection; by process: ${byProcess}).`,
  ].join('\n');
}

function logSection(appLogs) {
  const lines = Object.entries(appLogs)
    .filter(([, log]) => log.errors + log.warnings > 0)
    .map(
      ([name, log]) =>
        `- ${name}: ${log.errors} error and ${log.warnings} warning lines; first kinds: ${log.samples.map((s) => `\`${s}\``).join('; ')}`,
    );
  return lines.length ? lines.join('\n') : 'No error or warning lines.';
}

function setupNote(setup) {
  const users = `${setup.users} users seeded with SQL`;
  if (setup.conversations === 0) return `Setup: ${users}.`;
  return `Setup: ${users}; ${setup.logins.ok} logged in (${setup.logins.per_s}/s) and made ${setup.conversations} conversations with Conversation/set.`;
}

function failureNote(failures) {
  const lines = Object.entries(failures ?? {}).map(([name, message]) => `- ${name}: ${message}`);
  return lines.length ? `Failed workloads (not in the tables):\n\n${lines.join('\n')}\n` : '';
}

export function markdown(results) {
  const { machine, git, peer } = results;
  const peerNote = peer.records
    ? `ejabberd figures: ${peer.records} records of the last 6 hours from \`${peer.file}\` (runs: ${[...peer.figures.default.runs, ...peer.figures.mam.runs].join(', ') || 'none'}); ranges are min–max over runs. ejabberd's W3 memory is its RSS delta (one process).`
    : `No ejabberd records of the last 6 hours in \`${peer.file}\`: run with \`--peer\`, or point EJABBERD_RESULTS at the harness's results.jsonl.`;
  return [
    `# Chat load benchmark, ${results.date}`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.kernel}, Node ${machine.node}; load average ${machine.loadAverageAtStart.join(' ')} at the start. Commit ${git.commit}${git.dirty ? ' (with uncommitted changes)' : ''}. Everything (JCHAT's six processes, PostgreSQL, NATS, Redis and this load generator) on this one machine.`,
    '',
    `Settings: ${JSON.stringify(results.settings)}. JCHAT at its defaults except the login rate limits (lifted). ${setupNote(results.setup)}`,
    '',
    comparisonTable(results),
    '',
    peerNote,
    '',
    failureNote(results.failures),
    '## Group workloads (W1, W2)',
    '',
    'Accepted = `created` in the Message/set reply; a delivery = one of the other members holding the message. Latencies from the send time carried in the body to the receipt (same clock). Refusals are counted per attempt: `request:` RequestError frames, `method:` method errors, `notCreated:` SetErrors (with the bound that refused, from the SetError description), `timeout` (no reply in 10 s); a refused message is sent again with the same clientMessageId after a back-off, until the run ends. For clients that do not opt in, a duplicate is a message a later Message/changes reported as created again.',
    '',
    groupTable(results),
    '',
    '## Idle connections (W3)',
    '',
    idleSection(results.workloads.w3) || 'Not run.',
    '',
    '## Processes',
    '',
    resourceTable(results),
    '',
    '## What the apps logged',
    '',
    logSection(results.appLogs),
    '',
  ].join('\n');
}
