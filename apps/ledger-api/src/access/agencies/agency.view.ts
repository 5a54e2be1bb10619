import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AGENCY_ROLES } from '@ledger/domain';
import { EXAMPLE_PERSON_ID } from '../shared/validators';

export class AgencyStateView {
  @ApiProperty({ example: true })
  registered!: boolean;

  @ApiPropertyOptional({ example: 'SWD001' })
  agencyCode?: string;

  @ApiPropertyOptional({ example: '臺北市政府社會局' })
  name?: string;

  @ApiPropertyOptional({ enum: AGENCY_ROLES, example: 'DATA_REQUESTER' })
  role?: string;

  @ApiProperty({ example: true, description: '要點 二(三)' })
  approvedForWebIR!: boolean;

  @ApiProperty({ example: { CONTACT_WINDOW: { personId: EXAMPLE_PERSON_ID, effectiveDate: '2025-08-01', changeNo: 1 } } })
  personnel!: Record<string, unknown>;

  @ApiProperty({ example: 1 })
  changeCount!: number;

  @ApiProperty({ example: [], description: 'Personnel changes BLI has not yet been told about (要點 七)' })
  bliNoticesDue!: { changeNo: number; dueDate: string }[];
}

export class AgencyView {
  @ApiProperty({ example: 'agency-SWD001' })
  streamId!: string;

  @ApiProperty({ example: 3 })
  revision!: number;

  @ApiProperty({ type: AgencyStateView })
  state!: AgencyStateView;
}

export const AGENCY_VIEW_EXAMPLE = {
  streamId: 'agency-SWD001',
  revision: 2,
  state: {
    registered: true,
    agencyCode: 'SWD001',
    name: '臺北市政府社會局',
    role: 'DATA_REQUESTER',
    approvedForWebIR: true,
    personnel: { CONTACT_WINDOW: { personId: EXAMPLE_PERSON_ID, effectiveDate: '2025-08-01', changeNo: 1 } },
    changeCount: 1,
    bliNoticesDue: [],
  },
};
