import {
  conversationRoleId,
  parseConversationRoleId,
  parseUserRoleId,
  userRoleId,
} from './grant-ids';

const U = '11111111-1111-4111-8111-111111111111';
const R = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';

describe('grant ids', () => {
  it('round-trips composite keys', () => {
    expect(parseUserRoleId(userRoleId(U, R))).toEqual({ userId: U, roleId: R });
    expect(parseConversationRoleId(conversationRoleId(C, U, R))).toEqual({
      conversationId: C,
      userId: U,
      roleId: R,
    });
  });

  it('rejects anything else', () => {
    expect(parseUserRoleId(U)).toBeNull();
    expect(parseUserRoleId(`${U}_${R}_${C}`)).toBeNull();
    expect(parseConversationRoleId(`${C}_${U}_nope`)).toBeNull();
  });
});
