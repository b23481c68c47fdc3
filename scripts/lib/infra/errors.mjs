/** An error whose message is the whole story (printed without a stack trace). */
export class InfraError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InfraError';
  }
}
