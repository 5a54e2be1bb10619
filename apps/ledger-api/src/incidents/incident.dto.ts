import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { BLI_NOTICE_CHANNELS, INCIDENT_ACTIONS, INCIDENT_CONCLUSIONS } from '@ledger/domain';
import { CommandDto } from '../common/command.dto';
import { INSTANT_FORMAT, IsInstantWithOffset } from '../common/time-fields';
import { AGENCY_CODE, RECORD_ID } from '../access/shared/validators';

const TEXT = 2000;

export class IncidentIdParam {
  @ApiProperty({ example: 'SWD001_2025_INC_01' })
  @Matches(RECORD_ID, { message: 'incidentId must be 1–64 letters, digits, "_" or ":"' })
  incidentId!: string;
}

export class ReportIncidentDto extends CommandDto {
  @ApiProperty({ example: 'SWD001_2025_INC_01', description: 'Client-chosen id of the incident' })
  @Matches(RECORD_ID, { message: 'incidentId must be 1–64 letters, digits, "_" or ":"' })
  incidentId!: string;

  @ApiProperty({ example: 'SWD001' })
  @Matches(AGENCY_CODE, { message: 'agencyCode must be 1–32 letters, digits or underscores' })
  agencyCode!: string;

  @ApiProperty({ example: '2025-07-01T09:10:00+08:00', description: `When the incident or its suspicion was discovered: the report's business time (occurredAt, if sent, must equal it) and the start of the hour to notify BLI. ${INSTANT_FORMAT}` })
  @IsInstantWithOffset()
  discoveredAt!: string;

  @ApiProperty({ example: true, description: 'A suspected incident (疑似事故) is reported the same way (要點 十二(十))' })
  @IsBoolean()
  suspected!: boolean;

  @ApiProperty({ example: '承辦人電腦疑遭惡意程式感染,可能外洩查詢結果檔', description: 'What happened (no personal data: a national ID is refused)' })
  @IsString()
  @MaxLength(TEXT)
  summary!: string;

  @ApiPropertyOptional({ example: ['SWD001_2025_000123'], description: 'Query registrations concerned, by id' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(RECORD_ID, { each: true, message: 'registrationIds must be registration ids' })
  registrationIds?: string[];

  @ApiPropertyOptional({ example: ['SWD001_2025_OD_001'], description: 'Obtained data concerned, by record id' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(RECORD_ID, { each: true, message: 'obtainedDataRecordIds must be obtained-data record ids' })
  obtainedDataRecordIds?: string[];
}

export class IncidentActionDto extends CommandDto {
  @ApiProperty({ enum: INCIDENT_ACTIONS, description: '緊急應變, 事故調查, 責任釐清, 防免損害擴大之對策 (要點 十二(十)); taken at occurredAt' })
  @IsIn(INCIDENT_ACTIONS)
  action!: (typeof INCIDENT_ACTIONS)[number];

  @ApiProperty({ example: '已將受感染電腦離線並保全證據' })
  @IsString()
  @MaxLength(TEXT)
  summary!: string;
}

export class NotifyBliDto extends CommandDto {
  @ApiProperty({ enum: BLI_NOTICE_CHANNELS, description: 'How BLI was notified; the notice happened at occurredAt' })
  @IsIn(BLI_NOTICE_CHANNELS)
  channel!: (typeof BLI_NOTICE_CHANNELS)[number];

  @ApiPropertyOptional({ example: '勞保局資安事件通報單 114-0007' })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT)
  reference?: string;

  @ApiPropertyOptional({ example: '事故調查、責任釐清及防免損害擴大之對策', description: '要點 十二(十): the materials provided with the notice' })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT)
  materialsProvided?: string;
}

export class CloseIncidentDto extends CommandDto {
  @ApiProperty({ enum: INCIDENT_CONCLUSIONS })
  @IsIn(INCIDENT_CONCLUSIONS)
  conclusion!: (typeof INCIDENT_CONCLUSIONS)[number];

  @ApiProperty({ example: '已完成事故調查與改善,結案' })
  @IsString()
  @MaxLength(TEXT)
  summary!: string;
}
