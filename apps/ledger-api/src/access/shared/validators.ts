import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min, ValidateBy, ValidationOptions } from 'class-validator';
import { isIsoDate } from '@ledger/domain';
import { assertPersonId, isValidTaiwanId } from '@ledger/personal-data';
import { AGENCY_CODE } from '../../agencies/register-agency';

export { AGENCY_CODE };
// Stream-id segments: no dash (one per stream id) and no dot (the separator of composite ids).
export const OPERATION_CODE = /^[A-Za-z0-9_:]{1,32}$/;
export const RECORD_ID = /^[A-Za-z0-9_:]{1,64}$/;
export const ACCOUNT_ID = /^[A-Za-z0-9_]{1,32}\.(ADMIN|USER)\.[0-9a-f]{32,128}$/;
/** A calendar month (YYYY-MM), read in Asia/Taipei by the routes that take one. */
export const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The page size of a paged read: an integer 1–1000 (a larger page is refused, not clipped). */
export const PageLimit = (defaultSize: number, note = '') =>
  applyDecorators(ApiPropertyOptional({ example: defaultSize, description: `1–1000, default ${defaultSize}${note}` }), IsOptional(), Type(() => Number), IsInt(), Min(1), Max(1000));

export const EXAMPLE_HOLDER_KEY = '9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8';
export const EXAMPLE_ADMIN_ACCOUNT_ID = `SWD001.ADMIN.${EXAMPLE_HOLDER_KEY}`;
export const EXAMPLE_USER_ACCOUNT_ID = `SWD001.USER.${EXAMPLE_HOLDER_KEY}`;
export const EXAMPLE_PERSON_ID = `person_${EXAMPLE_HOLDER_KEY.slice(0, 32)}`;

// `2025-13-01` makes Date throw rather than roll over: an impossible date is an invalid one, not a crash.
function isCalendarDate(value: unknown): boolean {
  try {
    return isIsoDate(value);
  } catch {
    return false;
  }
}

/** A calendar day YYYY-MM-DD that exists (2025-02-30 does not): effective dates in the 要點 are days. */
export const IsCalendarDate = (options?: ValidationOptions) =>
  ValidateBy({ name: 'isCalendarDate', validator: { validate: (v) => isCalendarDate(v), defaultMessage: (a) => `${a?.property} must be a calendar date YYYY-MM-DD` } }, options);

/** The message names the rule, never the value: the value is a national ID. */
export const IsTaiwanId = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isTaiwanId',
      validator: {
        validate: (v) => isValidTaiwanId(v),
        defaultMessage: (a) => `${a?.property} must be a national ID or resident certificate number with a valid check digit`,
      },
    },
    options,
  );

/** Opaque ids only: an identifier-shaped person id would put the very number being protected into the log. */
export const IsOpaquePersonId = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isOpaquePersonId',
      validator: {
        validate: (v) => {
          try {
            assertPersonId(v);
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage: (a) => `${a?.property} must be an opaque person id (1–128 letters, digits, "_.:-"), never a national ID`,
      },
    },
    options,
  );

export class AgencyCodeParam {
  @ApiProperty({ example: 'SWD001' })
  @Matches(AGENCY_CODE, { message: 'agencyCode must be 1–32 letters, digits or underscores' })
  agencyCode!: string;
}

export class QueryItemParams extends AgencyCodeParam {
  @ApiProperty({ example: 'LI_ENROLMENT', description: 'BLI operation code (作業代號)' })
  @Matches(OPERATION_CODE, { message: 'operationCode must be 1–32 letters, digits, "_" or ":"' })
  operationCode!: string;
}

export class ApplicationIdParam {
  @ApiProperty({ example: 'SWD001_2025_017' })
  @Matches(RECORD_ID, { message: 'applicationId must be 1–64 letters, digits, "_" or ":"' })
  applicationId!: string;
}

export class AccountIdParam {
  @ApiProperty({ example: EXAMPLE_USER_ACCOUNT_ID, description: '<agencyCode>.<ADMIN|USER>.<holderKey>' })
  @Matches(ACCOUNT_ID, { message: 'accountId must be <agencyCode>.<ADMIN|USER>.<holderKey>' })
  accountId!: string;
}

export class ReviewIdParam {
  @ApiProperty({ example: 'SWD001_2025_review' })
  @Matches(RECORD_ID, { message: 'reviewId must be 1–64 letters, digits, "_" or ":"' })
  reviewId!: string;
}
