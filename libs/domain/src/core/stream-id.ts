import { ValidationError } from './domain-error';

// One dash only (EventStoreDB category projections split at the first dash), and '.' is kept
// as the separator of composite ids, so a single segment allows neither.
const SEGMENT = /^[A-Za-z0-9_:]+$/;
const ID = /^[A-Za-z0-9_.:]+$/;

export const isIdSegment = (value: unknown): value is string => typeof value === 'string' && SEGMENT.test(value);

export function assertIdSegment(value: unknown, field: string): asserts value is string {
  if (!isIdSegment(value)) {
    throw new ValidationError(field, 'must be letters, digits, "_" or ":" only');
  }
}

/** `a.b.c` from segments that cannot themselves contain the separator, so it parses back unambiguously. */
export function compositeId(parts: Record<string, string>): string {
  for (const [field, value] of Object.entries(parts)) assertIdSegment(value, field);
  return Object.values(parts).join('.');
}

export function streamIdOf(category: string, id: string): string {
  if (!/^[a-z]+$/.test(category)) throw new ValidationError('category', 'must be lowercase letters only');
  if (!ID.test(id)) throw new ValidationError(`${category} id`, 'must be letters, digits, "_", "." or ":" only');
  return `${category}-${id}`;
}
