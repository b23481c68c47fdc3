import { JmapMethodError, SetErrorException, type SetError } from './errors';
import { isCreationReference } from './id';
import { patchTouchedProperties } from './patch';
import { invalidProperty } from './set-errors';
import { findUnstorableText } from './storable-text';
import { isArray, isPlainObject } from './types';
import type { SetArguments } from './set-arguments';

export interface SetHandlers<T extends Record<string, unknown>> {
  /** Creates one object; returns its id and the properties the server set or defaulted. */
  create(
    creationId: string,
    object: Record<string, unknown>,
  ): Promise<{ id: string; serverSet: T }>;
  /** Updates one object; returns properties changed other than as the patch asked, or null. */
  update(id: string, patch: Record<string, unknown>): Promise<T | null>;
  destroy(id: string): Promise<void>;
}

export interface SetRunOptions {
  /**
   * The properties that may hold "#creationId" references. Without it every string value that
   * is exactly "#" plus a known creation id is replaced, which would also rewrite free text
   * such as a message body that happens to read "#k1".
   */
  referenceProperties?: readonly string[];
}

export interface SetResult<T> {
  created: Record<string, T & { id: string }>;
  updated: Record<string, T | null>;
  destroyed: string[];
  notCreated: Record<string, SetError>;
  notUpdated: Record<string, SetError>;
  notDestroyed: Record<string, SetError>;
  /** The request's creation id map with this call's creations added. */
  createdIds: Record<string, string>;
}

/**
 * Runs the creates, then the updates, then the destroys of a /set (RFC 8620 §5.3). A
 * SetErrorException rejects just that object. Any other error aborts the call: as
 * it is when nothing was written yet, as `serverPartialFail` once something was,
 * so the client knows to resync.
 */
export async function runSet<T extends Record<string, unknown>>(
  args: SetArguments,
  handlers: SetHandlers<T>,
  createdIds: Readonly<Record<string, string>>,
  options: SetRunOptions = {},
): Promise<SetResult<T>> {
  // Maps, because an Id may be "__proto__", which a plain object would not store as a key.
  const created = new Map<string, T & { id: string }>();
  const updated = new Map<string, T | null>();
  const destroyed: string[] = [];
  const notCreated = new Map<string, SetError>();
  const notUpdated = new Map<string, SetError>();
  const notDestroyed = new Map<string, SetError>();
  const ids = new Map(Object.entries(createdIds));
  const isReferenceProperty = (property: string) =>
    options.referenceProperties === undefined || options.referenceProperties.includes(property);
  const rejectOnSetError = async (
    rejections: Map<string, SetError>,
    key: string,
    operation: () => Promise<void>,
  ): Promise<void> => {
    try {
      await operation();
    } catch (error) {
      if (error instanceof SetErrorException) {
        rejections.set(key, error.setError);
        return;
      }
      if (created.size + updated.size + destroyed.length === 0) throw error;
      throw new JmapMethodError(
        'serverPartialFail',
        'the call failed after some of its changes were made; resync with /changes',
      );
    }
  };

  for (const creationId of orderCreates(args.create, isReferenceProperty)) {
    const object = resolveReferences(args.create[creationId], ids, isReferenceProperty);
    await rejectOnSetError(notCreated, creationId, async () => {
      requireStorableText(object, (property) => property);
      const { id, serverSet } = await handlers.create(creationId, object);
      created.set(creationId, { ...serverSet, id });
      ids.set(creationId, id);
    });
  }

  const toDestroy = new Set(args.destroy.map((key) => resolveId(key, ids) ?? key));
  for (const [key, patch] of Object.entries(args.update)) {
    const id = resolveId(key, ids);
    if (id === null) {
      notUpdated.set(key, unknownCreationId(key));
      continue;
    }
    if (toDestroy.has(id)) {
      notUpdated.set(id, { type: 'willDestroy', description: 'the same call destroys it' });
      continue;
    }
    await rejectOnSetError(notUpdated, id, async () => {
      requireStorableText(patch, (path) => patchTouchedProperties({ [path]: null })[0]);
      // Patch keys are paths; whether they may hold references depends on their first property.
      const resolved = resolveReferences(patch, ids, (path) =>
        patchTouchedProperties({ [path]: null }).every(isReferenceProperty),
      );
      updated.set(id, await handlers.update(id, resolved));
    });
  }

  for (const key of args.destroy) {
    const id = resolveId(key, ids);
    if (id === null) {
      notDestroyed.set(key, unknownCreationId(key));
      continue;
    }
    await rejectOnSetError(notDestroyed, id, async () => {
      await handlers.destroy(id);
      destroyed.push(id);
    });
  }

  return {
    created: Object.fromEntries(created),
    updated: Object.fromEntries(updated),
    destroyed,
    notCreated: Object.fromEntries(notCreated),
    notUpdated: Object.fromEntries(notUpdated),
    notDestroyed: Object.fromEntries(notDestroyed),
    createdIds: Object.fromEntries(ids),
  };
}

/**
 * Refuses a create or patch holding text that PostgreSQL cannot store (see storable-text.ts), in
 * a value or a key at any depth, naming the property. Checked here, once for every /set, so that
 * no handler can write such text or fail on it with serverFail.
 */
function requireStorableText(
  object: Record<string, unknown>,
  propertyOf: (key: string) => string,
): void {
  for (const [key, value] of Object.entries(object)) {
    const problem = findUnstorableText(key) ?? findUnstorableText(value);
    if (problem) throw invalidProperty(propertyOf(key), problem);
  }
}

/** Resolves a "#creationId" to its id (null if unknown); a plain id comes back as is. */
function resolveId(id: string, createdIds: ReadonlyMap<string, string>): string | null {
  return isCreationReference(id) ? (createdIds.get(id.slice(1)) ?? null) : id;
}

function unknownCreationId(reference: string): SetError {
  return { type: 'notFound', description: `no object was created as "${reference.slice(1)}"` };
}

/**
 * Orders creates so that one referring to another create of the same call runs after it, as
 * RFC 8620 §5.3 requires; otherwise the client's order is kept. In a cycle one reference
 * necessarily stays unresolved, for the handler to reject.
 */
function orderCreates(
  create: Record<string, Record<string, unknown>>,
  isReferenceProperty: (property: string) => boolean,
): string[] {
  const ordered: string[] = [];
  const visited = new Set<string>();
  const visit = (creationId: string): void => {
    if (visited.has(creationId)) return;
    visited.add(creationId);
    for (const reference of referencesIn(create[creationId], isReferenceProperty)) {
      const dependency = reference.slice(1);
      if (Object.hasOwn(create, dependency)) visit(dependency);
    }
    ordered.push(creationId);
  };
  Object.keys(create).forEach(visit);
  return ordered;
}

function referencesIn(
  object: Record<string, unknown>,
  isReferenceProperty: (property: string) => boolean,
): string[] {
  const found: string[] = [];
  const collect = (value: unknown): void => {
    if (isCreationReference(value)) found.push(value);
    else if (isArray(value)) value.forEach(collect);
    else if (isPlainObject(value)) Object.values(value).forEach(collect);
  };
  for (const [property, value] of Object.entries(object)) {
    if (isReferenceProperty(property)) collect(value);
  }
  return found;
}

/** Replaces "#creationId" strings by the created ids, leaving unknown ones for validation. */
function resolveReferences(
  object: Record<string, unknown>,
  createdIds: ReadonlyMap<string, string>,
  mayHoldReferences: (key: string) => boolean,
): Record<string, unknown> {
  const resolve = (value: unknown): unknown => {
    if (isCreationReference(value)) return resolveId(value, createdIds) ?? value;
    if (isArray(value)) return value.map(resolve);
    if (isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item)]));
    }
    return value;
  };
  return Object.fromEntries(
    Object.entries(object).map(([key, value]) => [
      key,
      mayHoldReferences(key) ? resolve(value) : value,
    ]),
  );
}
