import type { Request } from 'express';
import { DomainException } from '@jchat/contracts';
import { readBodyText } from './read-body';

const JSON_BODY_LIMIT = 64 * 1024;

/** Reads a JSON object body; anything else is a 400 naming the problem. */
export async function readJsonObject(req: Request): Promise<Record<string, unknown>> {
  const text = await readBodyText(req, JSON_BODY_LIMIT);
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new DomainException('invalid_argument', 'the request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DomainException('invalid_argument', 'the request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** A string field, or a 400 listing it under `fields`. */
export function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string') {
    throw new DomainException('invalid_argument', `${name} is required`, {
      fields: [{ field: name, message: 'must be a string' }],
    });
  }
  return value;
}
