// Races: the same change (or a change and its undoing) sent several times at once, over HTTP or
// as WebSocket frames, on the attacker's own data: edits of one message, sends with one
// clientMessageId, the same direct conversation, grant and revoke of one conversation role,
// join and leave, read positions, reactions, renames and archiving. Each copy must get a JMAP
// answer (a duplicate is alreadyExists, notFound...), never serverFail.
import { CHAT, CORE } from './jmap-catalog.mjs';

function raceCalls(rng, attacker, fixtures, index, copy) {
  const me = attacker.id;
  const message = attacker.ownMessages[0];
  const grantId = `${attacker.conversationId}_${attacker.partnerId}_${fixtures.userRoleId}`;
  const kind = rng.pick([
    'edit',
    'clientMessageId',
    'direct',
    'grant',
    'joinLeave',
    'read',
    'reaction',
    'rename',
    'presence',
  ]);
  const calls = {
    edit: () => [
      ['Message/set', { accountId: me, update: { [message]: { body: `edit ${copy}` } } }, 'r'],
    ],
    clientMessageId: () => [
      [
        'Message/set',
        {
          accountId: me,
          create: {
            m: {
              conversationId: attacker.conversationId,
              body: `race ${index}`,
              metadata: { clientMessageId: `race-${index}` },
            },
          },
        },
        'r',
      ],
    ],
    direct: () => [
      [
        'Conversation/set',
        {
          accountId: me,
          create: { d: { conversationType: 'direct', participantIds: [attacker.partnerId] } },
        },
        'r',
      ],
    ],
    grant: () => [
      [
        'ConversationRole/set',
        copy % 2 === 0
          ? {
              accountId: me,
              create: {
                g: {
                  conversationId: attacker.conversationId,
                  userId: attacker.partnerId,
                  roleId: fixtures.userRoleId,
                },
              },
            }
          : { accountId: me, destroy: [grantId] },
        'r',
      ],
    ],
    joinLeave: () => [
      [
        'Participant/set',
        copy % 2 === 0
          ? { accountId: me, create: { j: { conversationId: fixtures.victim.publicId } } }
          : { accountId: me, destroy: [attacker.publicParticipantId] },
        'r',
      ],
    ],
    read: () => [
      [
        'Message/set',
        { accountId: me, markRead: [attacker.ownMessages[copy % attacker.ownMessages.length]] },
        'r',
      ],
    ],
    reaction: () => [
      [
        'Message/set',
        {
          accountId: me,
          update: { [message]: { [`reactions/👍/${me}`]: copy % 2 === 0 ? true : null } },
        },
        'r',
      ],
    ],
    rename: () => [
      [
        'Conversation/set',
        {
          accountId: me,
          update: {
            [attacker.conversationId]:
              copy % 3 === 2 ? { isArchived: copy % 2 === 0 } : { title: `race ${copy}` },
          },
        },
        'r',
      ],
    ],
    presence: () => [
      [
        'Presence/set',
        { accountId: me, update: { [me]: { status: ['online', 'busy', 'away'][copy % 3] } } },
        'r',
      ],
    ],
  }[kind]();
  return { kind, calls };
}

/** K copies of one race, as HTTP requests or as frames on one WebSocket. */
export function raceCase(rng, fixtures, index, transport) {
  const attacker = rng.pick(fixtures.attackers);
  const copies = rng.int(2, 6);
  const seed = rng.next();
  const bodies = [];
  let kind;
  for (let copy = 0; copy < copies; copy++) {
    // every copy draws the same race from the same numbers; only `copy` differs
    const built = raceCalls(
      { pick: (list) => list[Math.floor(seed * list.length)] },
      attacker,
      fixtures,
      index,
      copy,
    );
    kind = built.kind;
    const request = { using: [CORE, CHAT], methodCalls: built.calls };
    bodies.push(
      JSON.stringify(
        transport === 'ws' ? { '@type': 'Request', id: `w${index}-${copy}`, ...request } : request,
      ),
    );
  }
  return transport === 'ws'
    ? { category: 'race', attacker: attacker.index, frames: bodies, mutations: [`race:${kind}`] }
    : {
        category: 'race',
        method: 'POST',
        path: '/jmap/api',
        headers: { authorization: `Bearer ${attacker.token}`, 'content-type': 'application/json' },
        bodies,
        mutations: [`race:${kind}`],
      };
}
