import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { PERSONNEL_ROLES, PersonnelRole } from '@ledger/domain';
import { CommandDto } from '../../common/command.dto';
import { EXAMPLE_PERSON_ID, IsCalendarDate, IsOpaquePersonId } from '../shared/validators';

export class ApproveAgencyDto extends CommandDto {
  @ApiPropertyOptional({ example: '北市勞資字第1140012345號', description: "The competent authority's letter or decision number (要點 二(三))" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}

export class DesignatePersonnelDto extends CommandDto {
  @ApiProperty({ enum: PERSONNEL_ROLES, example: 'CONTACT_WINDOW', description: '要點 七、十(一)' })
  @IsIn(PERSONNEL_ROLES)
  personnelRole!: PersonnelRole;

  @ApiProperty({ example: EXAMPLE_PERSON_ID, description: "Opaque person id (e.g. the personId of the person's account); never a national ID or name" })
  @IsOpaquePersonId()
  personId!: string;

  @ApiProperty({ example: '2025-08-01', description: 'Asia/Taipei day the designation takes effect' })
  @IsCalendarDate()
  effectiveDate!: string;
}

export class RecordBliNoticeDto extends CommandDto {
  @ApiProperty({ example: 2, description: 'changeNo of the personnel designation BLI was told about (要點 七)' })
  @IsInt()
  @Min(1)
  changeNo!: number;

  @ApiPropertyOptional({ example: '北市資綜字第1140023456號' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}

export class RecordTrainingDto extends CommandDto {
  @ApiProperty({ example: EXAMPLE_PERSON_ID, description: "The agency's current dedicated staff (要點 十(二))" })
  @IsOpaquePersonId()
  personId!: string;

  @ApiProperty({ example: '2025-09-15' })
  @IsCalendarDate()
  completedOn!: string;

  @ApiProperty({ example: '資通安全通識教育訓練 (3 小時)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  course!: string;
}
