/** Who is calling, as established by the JWT guard. */
export interface AuthUser {
  userId: string;
  sessionId: string;
}
