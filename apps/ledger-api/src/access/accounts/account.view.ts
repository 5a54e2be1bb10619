import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ACCOUNT_KINDS } from '@ledger/domain';
import { CommandResultView } from '../shared/openapi';
import { EXAMPLE_PERSON_ID, EXAMPLE_USER_ACCOUNT_ID } from '../shared/validators';

export class CreatedAccountView extends CommandResultView {
  @ApiProperty({ example: EXAMPLE_USER_ACCOUNT_ID, description: '<agencyCode>.<kind>.<holderKey>: one stream per person, kind and agency (要點 六(一))' })
  accountId!: string;

  @ApiProperty({ example: EXAMPLE_PERSON_ID, description: "Pseudonymous id of the holder, the same at every agency" })
  personId!: string;
}

/** The holder appears only as the pseudonymous personId: no ciphertext and no plaintext is ever returned. */
export class AccountStateView {
  @ApiProperty({ example: 'ACTIVE', enum: ['ACTIVE', 'DISABLED', 'DELETED'] })
  status!: string;

  @ApiProperty({ example: EXAMPLE_USER_ACCOUNT_ID })
  accountId!: string;

  @ApiProperty({ example: 'SWD001' })
  agencyCode!: string;

  @ApiProperty({ enum: ACCOUNT_KINDS, example: 'USER' })
  kind!: string;

  @ApiProperty({ example: EXAMPLE_PERSON_ID })
  personId!: string;

  @ApiProperty({ example: 1, description: 'Creations of this account so far (a deleted account may be created again)' })
  incarnation!: number;

  @ApiProperty({ example: '科員' })
  post!: string;

  @ApiProperty({ example: '社會救助科' })
  unit!: string;

  @ApiProperty({ example: ['LI_ENROLMENT'] })
  queryItems!: string[];

  @ApiProperty({ example: ['SWD001_2025_017', 'SWD001_2025_018'] })
  usedApplicationIds!: string[];

  @ApiPropertyOptional({ example: null, nullable: true, description: 'A post change whose duty is still open (要點 六(四)(五))' })
  pendingPostChange!: { effectiveDate: string; successorAccountId: string | null; duty: string } | null;
}

export class AccountView {
  @ApiProperty({ example: `account-${EXAMPLE_USER_ACCOUNT_ID}` })
  streamId!: string;

  @ApiProperty({ example: 1 })
  revision!: number;

  @ApiProperty({ type: AccountStateView })
  state!: AccountStateView;
}

export const ACCOUNT_VIEW_EXAMPLE = {
  streamId: `account-${EXAMPLE_USER_ACCOUNT_ID}`,
  revision: 1,
  state: {
    status: 'ACTIVE',
    accountId: EXAMPLE_USER_ACCOUNT_ID,
    agencyCode: 'SWD001',
    kind: 'USER',
    personId: EXAMPLE_PERSON_ID,
    incarnation: 1,
    post: '科員',
    unit: '社會救助科',
    queryItems: ['LI_ENROLMENT'],
    usedApplicationIds: ['SWD001_2025_017', 'SWD001_2025_018'],
    pendingPostChange: null,
  },
};
