import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBase64, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Min, ValidateNested } from 'class-validator';
import { BLI_REQUEST_KINDS, INSPECTION_MATERIAL_KINDS } from '@ledger/domain';
import { CommandDto } from '../common/command.dto';
import { INSTANT_FORMAT, IsInstantWithOffset } from '../common/time-fields';
import { AGENCY_CODE, IsCalendarDate, RECORD_ID } from '../access/shared/validators';

const TEXT = 2000;
const id = (field: string) => ({ message: `${field} must be 1–64 letters, digits, "_" or ":"` });

export class InspectionIdParam {
  @ApiProperty({ example: 'BLI_2025_SWD001' })
  @Matches(RECORD_ID, id('inspectionId'))
  inspectionId!: string;
}

export class RequestParams extends InspectionIdParam {
  @ApiProperty({ example: 'req_1' })
  @Matches(RECORD_ID, id('requestId'))
  requestId!: string;
}

export class ServiceAgencyParam {
  @ApiProperty({ example: 'SWD001' })
  @Matches(AGENCY_CODE, { message: 'agencyCode must be 1–32 letters, digits or underscores' })
  agencyCode!: string;
}

export class CheckpointRefDto {
  @ApiProperty({ example: 1204, description: 'tree_size of a signed checkpoint the ledger holds (GET /ledger/checkpoints/latest)' })
  @IsInt()
  @Min(1)
  treeSize!: number;

  @ApiProperty({ example: 'q2SWaVQ9Ssn3bLWq1qa2gK0Y1b0M0nSE8F4Z3pXhB8o=', description: 'Its root hash, base64' })
  @IsBase64()
  @MaxLength(64)
  rootHash!: string;
}

export class InspectionMaterialDto {
  @ApiProperty({ example: 'roster_1' })
  @Matches(RECORD_ID, id('materialId'))
  materialId!: string;

  @ApiProperty({ enum: INSPECTION_MATERIAL_KINDS, description: 'ROSTER (使用者清冊), AUDIT_RECORDS (稽核紀錄), CHECK_RECORDS (查核紀錄) are drawn from the ledger and name their checkpoint (要點 十二(五))' })
  @IsIn(INSPECTION_MATERIAL_KINDS)
  kind!: (typeof INSPECTION_MATERIAL_KINDS)[number];

  @ApiProperty({ example: '使用者清冊(民國114年06月30日,CSV)' })
  @IsString()
  @MaxLength(TEXT)
  description!: string;

  @ApiProperty({ example: '2025-07-01' })
  @IsCalendarDate()
  providedOn!: string;

  @ApiPropertyOptional({ type: () => CheckpointRefDto, nullable: true, description: 'The signed checkpoint the material was drawn from; required for ledger materials' })
  @IsOptional()
  @ValidateNested()
  @Type(() => CheckpointRefDto)
  checkpoint?: CheckpointRefDto | null;
}

export class RecordInspectionDto extends CommandDto {
  @ApiProperty({ example: 'BLI_2025_SWD001' })
  @Matches(RECORD_ID, id('inspectionId'))
  inspectionId!: string;

  @ApiProperty({ example: 'SWD001', description: 'The agency inspected' })
  @Matches(AGENCY_CODE, { message: 'agencyCode must be 1–32 letters, digits or underscores' })
  agencyCode!: string;

  @ApiProperty({ example: '2025-07-01' })
  @IsCalendarDate()
  startedOn!: string;

  @ApiProperty({ example: '勞保WebIR使用情形實地稽核' })
  @IsString()
  @MaxLength(TEXT)
  scope!: string;

  @ApiProperty({ type: [InspectionMaterialDto], description: 'Materials provided (0–100)' })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => InspectionMaterialDto)
  materials!: InspectionMaterialDto[];
}

export class ProvideMaterialsDto extends CommandDto {
  @ApiProperty({ type: [InspectionMaterialDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => InspectionMaterialDto)
  materials!: InspectionMaterialDto[];
}

export class BliRequestDto extends CommandDto {
  @ApiProperty({ example: 'req_1' })
  @Matches(RECORD_ID, id('requestId'))
  requestId!: string;

  @ApiProperty({ enum: BLI_REQUEST_KINDS, description: 'EXPLANATION (限期說明, 要點 十二(五)) or IMPROVEMENT (限期改善, 十二(五)(六))' })
  @IsIn(BLI_REQUEST_KINDS)
  kind!: (typeof BLI_REQUEST_KINDS)[number];

  @ApiProperty({ example: '2025-07-10' })
  @IsCalendarDate()
  receivedOn!: string;

  @ApiProperty({ example: '2025-08-10', description: 'The date BLI set; met in time by the end of that Asia/Taipei day' })
  @IsCalendarDate()
  dueDate!: string;

  @ApiProperty({ example: '查詢資料登記表缺漏,限期改善' })
  @IsString()
  @MaxLength(TEXT)
  summary!: string;
}

export class AnswerDto extends CommandDto {
  @ApiProperty({ example: '已補正查詢資料登記表並辦理教育訓練', description: 'The explanation or the improvement made; answered at occurredAt' })
  @IsString()
  @MaxLength(TEXT)
  summary!: string;

  @ApiPropertyOptional({ example: '改善報告(114社救字第0789號)' })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT)
  evidence?: string;
}

export class StopServiceDto extends CommandDto {
  @ApiProperty({ example: '2025-09-01T00:00:00+08:00', description: `When it took effect. ${INSTANT_FORMAT}` })
  @IsInstantWithOffset()
  effectiveAt!: string;

  @ApiProperty({ example: '屆期未完成改善(要點 十二(六))' })
  @IsString()
  @MaxLength(TEXT)
  reason!: string;

  @ApiPropertyOptional({ example: '勞保局114年8月25日函' })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT)
  reference?: string;

  @ApiPropertyOptional({ example: 'BLI_2025_SWD001' })
  @IsOptional()
  @Matches(RECORD_ID, id('inspectionId'))
  inspectionId?: string;
}

export class ReapplyDto extends CommandDto {
  @ApiProperty({ example: '已完成查詢登記表補正、權限清查及教育訓練' })
  @IsString()
  @MaxLength(TEXT)
  improvements!: string;

  @ApiProperty({ example: '改善報告及佐證資料(要點 十二(七))' })
  @IsString()
  @MaxLength(TEXT)
  evidence!: string;

  @ApiPropertyOptional({ example: '北市資字第1140001號函' })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT)
  reference?: string;
}

export class ResumeDto extends CommandDto {
  @ApiProperty({ example: '2025-10-01T09:00:00+08:00', description: INSTANT_FORMAT })
  @IsInstantWithOffset()
  effectiveAt!: string;

  @ApiPropertyOptional({ example: '勞保局函復同意恢復' })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT)
  reference?: string;
}

export class ServiceAtQueryDto {
  @ApiPropertyOptional({ example: '2025-09-15T10:00:00+08:00', description: 'Instant with its offset, or a date YYYY-MM-DD (its end in Asia/Taipei); default now' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  at?: string;

  @ApiPropertyOptional({ example: '1204' })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'minPosition must be a global position (a non-negative integer)' })
  minPosition?: string;
}
