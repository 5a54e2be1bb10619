import { DomainRuleError, ValidationError } from './domain-error';
import { assertIdSegment } from './stream-id';

export function refuse(code: string, rule: string, message: string, details?: Record<string, unknown>): never {
  throw new DomainRuleError(code, rule, message, details);
}

/** Steps of a lifecycle come in order; `status` must be one the step may follow. */
export function requireStatus<S extends string>(status: S, allowed: readonly S[], code: string, rule: string, step: string): void {
  if (!allowed.includes(status)) refuse(code, rule, `${step} is not allowed while ${status}`, { status, allowed: [...allowed] });
}

export function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === '';
}

export function requireText(value: unknown, field: string): string {
  if (isBlank(value)) throw new ValidationError(field, 'is required');
  return (value as string).trim();
}

export const optionalText = (value: unknown): string | null => (isBlank(value) ? null : (value as string).trim());

/** A non-empty list of operation codes, each usable inside a stream id, without duplicates. */
export function requireCodeList(values: unknown, field: string): string[] {
  if (!Array.isArray(values) || values.length === 0) throw new ValidationError(field, 'must list at least one code');
  values.forEach((value) => assertIdSegment(value, field));
  return [...new Set(values as string[])];
}

export function requireOneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (!(allowed as readonly unknown[]).includes(value)) throw new ValidationError(field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}
