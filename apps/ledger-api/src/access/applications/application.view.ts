import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { APPLICATION_KINDS } from '@ledger/domain';
import { CommandResultView } from '../shared/openapi';
import { EXAMPLE_USER_ACCOUNT_ID } from '../shared/validators';

export class SubmittedApplicationView extends CommandResultView {
  @ApiPropertyOptional({ example: EXAMPLE_USER_ACCOUNT_ID, description: 'Account forms: the account id the ledger derived from the holder' })
  accountId?: string;
}

export class ApplicationStateView {
  @ApiProperty({ example: 'COMPLETE', enum: ['PENDING', 'COMPLETE', 'REJECTED'] })
  status!: string;

  @ApiProperty({ example: 'SWD001_2025_017' })
  applicationId!: string;

  @ApiProperty({ example: 'SWD001' })
  agencyCode!: string;

  @ApiProperty({ enum: APPLICATION_KINDS, example: 'USER_ACCOUNT_ADD' })
  kind!: string;

  @ApiProperty({ example: ['SUPERVISOR'], description: 'The sign-offs this form needs, in order (要點 五(二))' })
  chain!: string[];

  @ApiProperty({ example: 'AGENCY_ADMIN', enum: ['CENTRAL_ADMIN', 'AGENCY_ADMIN'] })
  executor!: string;

  @ApiPropertyOptional({ example: EXAMPLE_USER_ACCOUNT_ID })
  accountId?: string;

  @ApiPropertyOptional({ example: { add: ['LI_ENROLMENT'], remove: [] } })
  queryItems?: { add: string[]; remove: string[] };

  @ApiProperty({ example: [{ step: 'SUPERVISOR', signedBy: 'svc_swd001', signedAt: '2025-07-01T01:30:00.000Z', signedFor: 'SWD001' }], description: 'signedFor: the agency (body of 要點 三) the signer acted for' })
  approvals!: { step: string; signedBy: string; signedAt: string; signedFor?: string }[];
}

export class ApplicationView {
  @ApiProperty({ example: 'application-SWD001_2025_017' })
  streamId!: string;

  @ApiProperty({ example: 2 })
  revision!: number;

  @ApiProperty({ type: ApplicationStateView })
  state!: ApplicationStateView;
}

export const APPLICATION_VIEW_EXAMPLE = {
  streamId: 'application-SWD001_2025_017',
  revision: 2,
  state: {
    status: 'COMPLETE',
    applicationId: 'SWD001_2025_017',
    agencyCode: 'SWD001',
    kind: 'USER_ACCOUNT_ADD',
    chain: ['SUPERVISOR'],
    executor: 'AGENCY_ADMIN',
    accountId: EXAMPLE_USER_ACCOUNT_ID,
    approvals: [{ step: 'SUPERVISOR', signedBy: 'svc_swd001', signedAt: '2025-07-01T01:30:00.000Z', signedFor: 'SWD001' }],
  },
};
