import { ValidateBy, ValidationOptions } from 'class-validator';
import { parseInstant } from '@ledger/domain';

/** How every instant field is described in OpenAPI, so the rule is stated once. */
export const INSTANT_FORMAT =
  'ISO-8601 date-time with an explicit UTC offset (`Z` or `+08:00`); an offset-less time or a date alone is refused with 400 (an offset is required), never read as UTC';

/**
 * An instant with its offset. The rule keeps the name isIso8601 that callers already match on;
 * the message says why it was refused (offset missing, impossible date) without echoing the value.
 */
export const IsInstantWithOffset = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isIso8601',
      validator: {
        validate: (v) => parseInstant(v).ok,
        defaultMessage: (a) => {
          const r = parseInstant(a?.value);
          return `${a?.property} ${r.ok ? 'is invalid' : r.reason}`;
        },
      },
    },
    options,
  );
