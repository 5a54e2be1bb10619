import { ArgumentMetadata, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { containsTaiwanId } from '@ledger/personal-data';

type FieldProblem = { field: string; rule: string; message: string };

function flatten(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.entries(e.constraints ?? {}).map(([rule, message]) => ({ field, rule, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

const invalid = (fields: FieldProblem[]) =>
  new BadRequestException({ code: 'VALIDATION_FAILED', message: fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields });

/** Deeper than any DTO goes; anything below would only feed recursion in the transformer. */
export const MAX_INPUT_DEPTH = 16;
// Keys that reach an object's prototype when copied onto an instance.
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// Fields whose own validator decides: a national ID (turned into ciphertext before anything is
// stored), and opaque person ids, whose validator refuses an ID anywhere in them.
const IDENTIFIER_FIELDS = new Set(['nationalId', 'personId']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Digests, seeds and keys the ledger hands out (a sampling seed, a file's SHA-256) come back as
// runs of 32 or more hex digits; about 2.5 % of random 64-digit runs hold a checksum-valid ID
// shape once read in capitals (`…a123456789…`), so a run that long is a machine value, not text
// a person typed an ID into. Everything around such a run is still checked.
const HEX_RUN = /[0-9a-f]{32,}/gi;

/** Whether a text a person sent carries a national ID or ARC number outside the ledger's own hex values. */
function carriesTaiwanId(text: string): boolean {
  return containsTaiwanId(text.length >= 32 ? text.replace(HEX_RUN, ' ') : text);
}

/**
 * Checks raw input before any class is built from it: nesting depth, prototype keys, and (issue 7,
 * finding 5) national IDs or ARC numbers in any free-text or identifier field, and the holder's
 * name anywhere but in `holder.name`. Messages name the field and the rule, never the value.
 */
export function inspectInput(value: unknown, root: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const holderName = holderNameOf(value);
  const walk = (node: unknown, path: string, key: string, depth: number): void => {
    if (problems.length >= 10) return;
    if (depth > MAX_INPUT_DEPTH) {
      problems.push({ field: path || root, rule: 'maxDepth', message: `${path || root} nests deeper than ${MAX_INPUT_DEPTH} levels` });
      return;
    }
    if (typeof node === 'string') {
      const field = path || root;
      if (!IDENTIFIER_FIELDS.has(key) && !UUID.test(node) && carriesTaiwanId(node)) {
        problems.push({ field, rule: 'noPersonalIdentifier', message: `${field} must not contain a national ID or resident certificate number` });
      } else if (holderName && path !== 'holder.name' && node.normalize('NFC').includes(holderName)) {
        problems.push({ field, rule: 'noPersonalName', message: `${field} must not contain the holder's name` });
      }
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const k of Object.keys(node)) {
      const child = path ? `${path}.${k}` : k;
      if (PROTOTYPE_KEYS.has(k)) {
        problems.push({ field: child, rule: 'noPrototypeKey', message: `${child} is not an accepted field name` });
        continue;
      }
      walk((node as Record<string, unknown>)[k], child, k, depth + 1);
    }
  };
  walk(value, '', root, 0);
  return problems;
}

function holderNameOf(value: unknown): string | undefined {
  const holder = value && typeof value === 'object' ? (value as { holder?: unknown }).holder : undefined;
  const name = holder && typeof holder === 'object' ? (holder as { name?: unknown }).name : undefined;
  const normalized = typeof name === 'string' ? name.normalize('NFC').trim() : '';
  // A one-character "name" would match half the Chinese language.
  return [...normalized].length >= 2 ? normalized : undefined;
}

class LedgerValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const problems = inspectInput(value, metadata.data ?? metadata.type);
      if (problems.length > 0) throw invalid(problems);
      if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object && (value === null || typeof value !== 'object' || Array.isArray(value))) {
        throw invalid([{ field: 'body', rule: 'isObject', message: 'body must be a JSON object' }]);
      }
    }
    return super.transform(value, metadata);
  }
}

type MetadataStorage = ReturnType<typeof getMetadataStorage>;
const CACHED = Symbol('ledger-cached-metadata');

/**
 * class-validator looks up a class's rules anew on every validation: it filters the class's own
 * rules and walks every class that has rules (≈ 300 here) for its ancestors, then groups them by
 * property — ≈ 3 % of a command's time, for an answer that changes only when a class with rules is
 * declared. The storage's answers are kept per class and options until a rule is added.
 */
export function cacheValidationMetadata(storage: MetadataStorage = getMetadataStorage()): void {
  const s = storage as MetadataStorage & { [CACHED]?: true };
  if (s[CACHED]) return;
  s[CACHED] = true;
  let byTarget = new Map<unknown, Map<string, ValidationMetadata[]>>();
  let grouped = new WeakMap<ValidationMetadata[], Record<string, ValidationMetadata[]>>();
  const forget = () => {
    byTarget = new Map();
    grouped = new WeakMap();
  };
  for (const method of ['addValidationMetadata', 'addConstraintMetadata', 'addValidationSchema'] as const) {
    const add = (s[method] as (...args: unknown[]) => void).bind(s);
    (s as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      forget();
      add(...args);
    };
  }
  const lookUp = s.getTargetValidationMetadatas.bind(s);
  s.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0000') ?? ''}`;
    let perTarget = byTarget.get(target);
    if (!perTarget) byTarget.set(target, (perTarget = new Map()));
    let found = perTarget.get(key);
    if (!found) perTarget.set(key, (found = lookUp(target, schema, always, strictGroups, groups)));
    return found;
  };
  const group = s.groupByPropertyName.bind(s);
  s.groupByPropertyName = (metadata) => {
    let found = grouped.get(metadata);
    if (!found) grouped.set(metadata, (found = group(metadata)));
    return found;
  };
}

/** Unknown fields are refused, not silently dropped: an integrator must learn its payload is wrong. */
export const ledgerValidationPipe = () => {
  cacheValidationMetadata();
  return new LedgerValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => invalid(flatten(errors)),
  });
};
