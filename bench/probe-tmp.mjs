import { api, login, JmapSocket } from './chat-load/clients.mjs';
const base = 'http://127.0.0.1:8080';
const tag = Math.random().toString(36).slice(2, 8);
import fs from 'node:fs';
let users = [];
let conv;
if (fs.existsSync('/tmp/probe-users.json')) { ({ users, conv } = JSON.parse(fs.readFileSync('/tmp/probe-users.json', 'utf8'))); for (const u of users) await login(base, u); }
else for (let i = 0; i < 3; i++) {
  const u = { email: `p${tag}${i}@x.io`, password: 'correct horse battery', displayName: `P${i}` };
  const r = await fetch(`${base}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(u) });
  u.id = (await r.json()).id;
  await login(base, u);
  users.push(u);
}
if (!conv) { const [[, res]] = await api(base, users[0], [['Conversation/set', { accountId: users[0].id, create: { c: { conversationType: 'group', title: 'probe', participantIds: users.slice(1).map(u => u.id) } } }, '0']]);
conv = res.created.c.id; fs.writeFileSync('/tmp/probe-users.json', JSON.stringify({ users, conv })); }
const sockets = [];
for (const u of users) { const s = await JmapSocket.open(base, u); sockets.push(s); await s.call([['Core/echo', {}, 'x']]); s.ws.send(JSON.stringify({ '@type': 'WebSocketPushEnable', dataTypes: ['Message'], includeObjects: ['Message'] })); }
const gap = Number(process.argv[2] ?? 100), n = Number(process.argv[3] ?? 100);
const reply = [], deliv = [];
let sentAt = 0;
sockets[1].onPush = (t) => { if (t.includes('probe-body')) deliv.push(performance.now() - sentAt); };
for (let i = 0; i < n; i++) {
  await new Promise((r) => setTimeout(r, gap));
  sentAt = performance.now();
  const f = await sockets[0].call([['Message/set', { accountId: users[0].id, create: { m: { conversationId: conv, body: 'probe-body ' + i } } }, 'c']]);
  reply.push(performance.now() - sentAt);
  if (!JSON.stringify(f).includes('created')) console.log(JSON.stringify(f));
}
await new Promise((r) => setTimeout(r, 200));
const q = (xs) => { xs.sort((a, b) => a - b); return [0.5, 0.9, 0.99].map((p) => xs[Math.floor(p * (xs.length - 1))].toFixed(2)).join(' / '); };
console.log(`gap ${gap}: reply p50/p90/p99 ${q(reply)}; delivery ${q(deliv)} (${deliv.length})`);
process.exit(0);
