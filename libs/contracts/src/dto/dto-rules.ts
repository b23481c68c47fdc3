// The DTOs' decorators record design types: load the metadata API whoever imports a contract
// first (a script, a test), not only under Nest.
import 'reflect-metadata';

/** An id of a row (users, conversations, ...): a UUID as `isUuid` (libs/common) accepts it. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export const ID_MESSAGE = { message: '$property must be an id (a UUID)' };
