import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiOperation, ApiProperty, ApiSecurity, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { AGENCY_ROLES, AgencyRole, agencyDecider, agencyStreamId } from '@ledger/domain';
import { assertAgencyScope, AuthedRequest, Roles } from '../auth/auth.guard';
import { SecurityLogService } from '../auth/security-log.service';
import { CommandDto, envelopeOf } from '../common/command.dto';
import { CommandEnvelope, CommandProcessor, CommandResult } from '../common/command-processor';

export const AGENCY_CODE = /^[A-Za-z0-9_]{1,32}$/;

export class RegisterAgencyDto extends CommandDto {
  @ApiProperty({ example: 'SWD001', description: 'Agency code: letters, digits, underscore, 1–32' })
  @Matches(AGENCY_CODE, { message: 'agencyCode must be 1–32 letters, digits or underscores' })
  agencyCode!: string;

  @ApiProperty({ example: '臺北市政府社會局' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @ApiProperty({ enum: AGENCY_ROLES, example: 'DATA_REQUESTER', description: '要點 二' })
  @IsIn(AGENCY_ROLES)
  role!: AgencyRole;
}

export class RegisterAgencyCommand {
  constructor(readonly dto: RegisterAgencyDto, readonly envelope: CommandEnvelope) {}
}

@CommandHandler(RegisterAgencyCommand)
export class RegisterAgencyHandler implements ICommandHandler<RegisterAgencyCommand, CommandResult> {
  constructor(private readonly processor: CommandProcessor) {}

  execute({ dto, envelope }: RegisterAgencyCommand): Promise<CommandResult> {
    const request = { type: 'RegisterAgency' as const, agencyCode: dto.agencyCode, name: dto.name, role: dto.role };
    return this.processor.execute({ streamId: agencyStreamId(dto.agencyCode), decider: agencyDecider, request }, envelope);
  }
}

@ApiTags('agencies')
@ApiSecurity('api-key')
@Controller('agencies')
export class RegisterAgencyController {
  constructor(private readonly commands: CommandBus, private readonly security: SecurityLogService) {}

  @Post()
  @HttpCode(201)
  @Roles('integrator')
  @ApiOperation({ summary: 'Register an agency (要點 二)' })
  @ApiCreatedResponse({
    description: 'Appended; body names stream, revision and event ids (replayed: true on a retry with the same commandId)',
    schema: {
      example: {
        streamId: 'agency-SWD001', revision: 0, position: '42',
        eventIds: ['280503a6-2476-552c-b7a2-c49a735b96bf'], events: [{ type: 'AgencyRegistered', revision: 0 }], replayed: false,
      },
    },
  })
  @ApiBadRequestResponse({ description: 'A field is missing, unknown or invalid; the body names it' })
  @ApiUnprocessableEntityResponse({ description: 'AGENCY_ALREADY_REGISTERED (要點 二)' })
  async register(@Body() dto: RegisterAgencyDto, @Req() req: AuthedRequest): Promise<CommandResult> {
    await assertAgencyScope(this.security, req, dto.agencyCode);
    return this.commands.execute(new RegisterAgencyCommand(dto, envelopeOf(dto, req.principal.id)));
  }
}
