// Turns each answer into counts (statuses, JMAP error types) and findings: 5xx answers (HTTP
// status, or a WebSocket RequestError with a 5xx status), serverFail / serverPartialFail method
// errors, leaks of the victim's private data, and requests that got no answer in time.

const SERVER_FAILS = new Set(['serverFail', 'serverPartialFail']);
const PRIVATE_ANSWERS = new Set(['notFound', 'forbidden']);

/**
 * A SetError any id would get, existing or not: the object is unknown or untouchable, the same
 * call destroys it, or the patch itself is malformed or holds text no store can keep (checked
 * before any object is looked up).
 */
function answersAnyId(error) {
  if (
    PRIVATE_ANSWERS.has(error?.type) ||
    error?.type === 'willDestroy' ||
    error?.type === 'invalidPatch'
  )
    return true;
  return error?.type === 'invalidProperties' && /surrogate|U\+0000/.test(error.description ?? '');
}
const MAX_SAMPLES = 400;
const TRUNCATE = 1500;

export function truncate(text, max = TRUNCATE) {
  const s =
    typeof text === 'string'
      ? text
      : Buffer.isBuffer(text)
        ? text.toString('utf8')
        : String(text ?? '');
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

function parseJson(text) {
  if (typeof text !== 'string' || text.length === 0 || (text[0] !== '{' && text[0] !== '['))
    return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const LARGE_ANSWER = 2 * 1024 * 1024;
const ERROR_INVOCATION = /\["error",\{(?:"description":"(?:[^"\\]|\\.)*",)?"type":"(\w+)"/g;

/**
 * A large answer (megabytes of echoes) is not parsed: its method errors are read off the text,
 * which the gateway writes as ["error",{"description":…,"type":…},callId].
 */
function skimLarge(text) {
  if (/^\{"@type":"RequestError"/.test(text)) return parseJson(text); // its status matters
  const methodResponses = [...text.matchAll(ERROR_INVOCATION)].map((m) => [
    'error',
    { type: m[1] },
  ]);
  const type = /^\{"@type":"(\w+)"/.exec(text)?.[1];
  return { ...(type ? { '@type': type } : {}), methodResponses };
}

function bump(counts, key, by = 1) {
  counts[key] = (counts[key] ?? 0) + by;
}

/** Which of the victim's private ids an invocation's result hands over. */
function structuralLeaks(name, args, privateIds, privateConversation) {
  const found = [];
  const check = (id, where) => {
    if (typeof id === 'string' && privateIds.has(id)) found.push(`${name} ${where} ${id}`);
  };
  if (!args || typeof args !== 'object') return found;
  for (const item of Array.isArray(args.list) ? args.list : []) {
    check(item?.id ?? item?.messageId, 'list');
    if (item?.conversationId === privateConversation)
      found.push(`${name} list item of the private conversation`);
  }
  for (const id of Array.isArray(args.ids) ? args.ids : []) check(id, 'ids');
  for (const entry of Array.isArray(args.added) ? args.added : []) check(entry?.id, 'added');
  for (const key of ['created', 'updated']) {
    if (Array.isArray(args[key])) for (const id of args[key]) check(id, key);
  }
  if (args.updated && typeof args.updated === 'object' && !Array.isArray(args.updated)) {
    for (const id of Object.keys(args.updated)) check(id, 'updated');
  }
  for (const id of Array.isArray(args.destroyed) ? args.destroyed : []) check(id, 'destroyed');
  for (const id of Array.isArray(args.markedRead) ? args.markedRead : []) check(id, 'markedRead');
  return found;
}

/**
 * Findings another branch is fixing, told by the app's log line for the request: serializable
 * transactions that conflict or deadlock under concurrent membership changes (fix/locks).
 */
export function knownHint(sample) {
  if (/write conflict or a deadlock|deadlock detected|could not serialize/.test(sample.log ?? '')) {
    return 'known: concurrent changes conflict or deadlock (fix/locks)';
  }
  return null;
}

export class Tally {
  constructor(fixtures) {
    this.requests = 0;
    this.sent = 0;
    this.byCategory = {};
    this.msByCategory = {};
    this.statuses = {};
    this.methodErrors = {};
    this.requestErrors = {};
    this.setErrors = {};
    this.methods = {};
    this.answered = {};
    this.setOutcomes = {};
    this.mutations = {};
    this.fiveXX = 0;
    this.status503 = 0;
    this.serverFail = 0;
    this.serverUnavailable = 0;
    this.timeouts = 0;
    this.leaks = 0;
    this.samples = [];
    this.signatures = {};
    this.canary = fixtures.canary;
    // Ids attackers are given (to attack them): only answers that hand their objects over leak.
    this.privateIds = new Set([
      ...Object.values(fixtures.privateIds).flat(),
      ...fixtures.secretIds,
    ]);
    // Ids no case is given: an answer naming one leaks, wherever it names it.
    this.secretIds = fixtures.secretIds;
    this.privateConversation = fixtures.victim.privateId;
  }

  /** Records one case and its answers (and how long they took); returns its findings. */
  record(index, fuzzCase, requestText, answers, ms = 0, sent = 1) {
    this.requests += 1;
    this.sent += sent;
    bump(this.byCategory, fuzzCase.category);
    bump(this.msByCategory, fuzzCase.category, ms);
    for (const method of fuzzCase.methods ?? [])
      if (typeof method === 'string') bump(this.methods, method.slice(0, 60));
    for (const mutation of fuzzCase.mutations ?? []) bump(this.mutations, mutation);
    const findings = [];
    for (const answer of answers) {
      bump(this.statuses, answer.status);
      if (answer.timeout) {
        this.timeouts += 1;
        findings.push({ kind: 'timeout', detail: answer.status });
      }
      if (answer.httpStatus >= 500) {
        this.fiveXX += 1;
        if (answer.httpStatus === 503) this.status503 += 1;
        findings.push({ kind: '5xx', detail: `status ${answer.httpStatus}` });
      }
      const body =
        answer.text?.length > LARGE_ANSWER ? skimLarge(answer.text) : parseJson(answer.text);
      if (body && typeof body === 'object') findings.push(...this.inspectBody(body));
      if (typeof answer.text === 'string' && answer.text.includes(this.canary)) {
        findings.push({
          kind: 'leak',
          detail: "the answer holds a canary of the victim's private data",
        });
      }
      if (typeof answer.text === 'string') {
        for (const id of this.secretIds) {
          if (answer.text.includes(id))
            findings.push({ kind: 'leak', detail: `the answer names the hidden id ${id}` });
        }
      }
    }
    for (const finding of findings) {
      if (finding.kind === 'leak') this.leaks += 1;
      finding.first = this.keepSample(index, fuzzCase, requestText, answers, finding);
    }
    return findings;
  }

  inspectBody(body) {
    const findings = [];
    if (typeof body.type === 'string' && body.type.startsWith('urn:ietf:params:jmap:error:')) {
      bump(this.requestErrors, body.type.slice('urn:ietf:params:jmap:error:'.length));
    }
    if (body['@type'] === 'RequestError') {
      bump(this.requestErrors, String(body.type).replace('urn:ietf:params:jmap:error:', ''));
      if (Number(body.status) >= 500) {
        this.fiveXX += 1;
        findings.push({ kind: '5xx', detail: `WebSocket RequestError status ${body.status}` });
      }
    }
    const responses = Array.isArray(body.methodResponses) ? body.methodResponses : [];
    for (const invocation of responses) {
      if (!Array.isArray(invocation)) continue;
      const [name, args] = invocation;
      if (name === 'error') {
        const type = String(args?.type);
        bump(this.methodErrors, type);
        if (SERVER_FAILS.has(type)) {
          this.serverFail += 1;
          findings.push({ kind: 'serverFail', detail: `${type}: ${args?.description ?? ''}` });
        }
        if (type === 'serverUnavailable') this.serverUnavailable += 1;
        continue;
      }
      bump(this.answered, String(name).slice(0, 60));
      for (const key of ['created', 'updated']) {
        if (args?.[key] && typeof args[key] === 'object' && !Array.isArray(args[key])) {
          bump(this.setOutcomes, `${name} ${key}`, Object.keys(args[key]).length);
        }
      }
      if (Array.isArray(args?.destroyed))
        bump(this.setOutcomes, `${name} destroyed`, args.destroyed.length);
      for (const key of ['notCreated', 'notUpdated', 'notDestroyed']) {
        const errors = args?.[key];
        if (errors && typeof errors === 'object') {
          for (const [id, error] of Object.entries(errors)) {
            // Another user's private object: it does not exist, or may not be touched; any
            // other answer tells an outsider something about it.
            if (key !== 'notCreated' && this.privateIds.has(id) && !answersAnyId(error)) {
              findings.push({
                kind: 'leak',
                detail: `${name} ${key} answers ${error?.type} for a private object`,
              });
            }
            bump(this.setErrors, String(error?.type));
            if (SERVER_FAILS.has(error?.type)) {
              this.serverFail += 1;
              findings.push({ kind: 'serverFail', detail: `${name} ${key}: ${error.type}` });
            }
          }
        }
      }
      // Core/echo hands back what the request held: nothing in it can leak.
      if (name === 'Core/echo') continue;
      for (const leak of structuralLeaks(name, args, this.privateIds, this.privateConversation)) {
        findings.push({ kind: 'leak', detail: leak });
      }
    }
    return findings;
  }

  keepSample(index, fuzzCase, requestText, answers, finding) {
    const signature = `${finding.kind} ${fuzzCase.category} ${finding.detail.replace(/[0-9a-f-]{36}/g, '<id>').slice(0, 120)}`;
    bump(this.signatures, signature);
    const first = this.signatures[signature] === 1;
    if (this.samples.length >= MAX_SAMPLES || this.signatures[signature] > 3) return first;
    const sample = {
      index,
      kind: finding.kind,
      detail: finding.detail,
      category: fuzzCase.category,
      mutations: fuzzCase.mutations,
      method: fuzzCase.method,
      path: fuzzCase.path ?? (fuzzCase.upgrade ? fuzzCase.upgrade.path : undefined),
      request: truncate(requestText),
      requestLength: requestText.length,
      answers: answers.map((a) => ({ status: a.status, text: truncate(a.text) })),
    };
    this.samples.push(sample);
    return first;
  }

  summary() {
    return {
      requests: this.requests,
      sent: this.sent,
      byCategory: this.byCategory,
      meanMsByCategory: Object.fromEntries(
        Object.entries(this.msByCategory).map(([k, ms]) => [
          k,
          Math.round(ms / this.byCategory[k]),
        ]),
      ),
      statuses: this.statuses,
      fiveXX: this.fiveXX,
      status503: this.status503,
      serverFail: this.serverFail,
      serverUnavailable: this.serverUnavailable,
      timeouts: this.timeouts,
      leaks: this.leaks,
      methodErrors: this.methodErrors,
      requestErrors: this.requestErrors,
      setErrors: this.setErrors,
      methodsCovered: Object.keys(this.methods).length,
      methods: this.methods,
      answered: this.answered,
      setOutcomes: this.setOutcomes,
      mutations: this.mutations,
      signatures: this.signatures,
    };
  }
}
