import { SetErrorException } from './errors';

export function invalidProperty(property: string, description: string): SetErrorException {
  return new SetErrorException({ type: 'invalidProperties', properties: [property], description });
}

export function forbidden(description: string): SetErrorException {
  return new SetErrorException({ type: 'forbidden', description });
}

export function notFound(description?: string): SetErrorException {
  return new SetErrorException(
    description === undefined ? { type: 'notFound' } : { type: 'notFound', description },
  );
}

/** Rejects properties outside `allowed` (unknown, server-set or immutable) by name. */
export function onlyProperties(
  object: Record<string, unknown>,
  allowed: readonly string[],
  why: string,
): void {
  const rejected = Object.keys(object).filter((property) => !allowed.includes(property));
  if (rejected.length > 0) {
    throw new SetErrorException({
      type: 'invalidProperties',
      properties: rejected,
      description: why,
    });
  }
}
