import { Body, Controller, ForbiddenException, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiOperation, ApiProperty, ApiSecurity, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { AGENCY_ROLES, AgencyRole, agencyDecider, agencyStreamId } from '@ledger/domain';
import { assertAgencyScope, AuthedRequest, Roles, routeOf } from '../auth/auth.guard';
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

  @ApiProperty({ enum: AGENCY_ROLES, example: 'DATA_REQUESTER', description: '要點 二; CENTRAL_ADMIN and COMPETENT_AUTHORITY only with an admin key (要點 三)' })
  @IsIn(AGENCY_ROLES)
  role!: AgencyRole;
}

/** Roles that oversee other agencies (要點 三): granted by an admin, never chosen by an integrator for itself. */
export const OVERSEER_ROLES: readonly AgencyRole[] = ['CENTRAL_ADMIN', 'COMPETENT_AUTHORITY'];

export class RegisterAgencyCommand {
  constructor(readonly dto: RegisterAgencyDto, readonly envelope: CommandEnvelope) {}
}

@CommandHandler(RegisterAgencyCommand)
export class RegisterAgencyHandler implements ICommandHandler<RegisterAgencyCommand, CommandResult> {
  constructor(private readonly processor: CommandProcessor) {}

  execute({ dto, envelope }: RegisterAgencyCommand): Promise<CommandResult> {
    const request = { type: 'RegisterAgency' as const, agencyCode: dto.agencyCode, name: dto.name, role: dto.role };
    return this.processor.execute({ streamId: agencyStreamId(dto.agencyCode), decider: agencyDecider, request, createsStream: true }, envelope);
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
  @ApiForbiddenResponse({ description: 'ROLE_ESCALATION_REFUSED: an overseeing role asked for without an admin key (recorded in the security stream)' })
  async register(@Body() dto: RegisterAgencyDto, @Req() req: AuthedRequest): Promise<CommandResult> {
    await assertAgencyScope(this.security, req, dto.agencyCode);
    if (OVERSEER_ROLES.includes(dto.role) && !req.principal.roles.includes('admin')) {
      await this.security.refused({ actor: req.principal.id, method: req.method, route: routeOf(req), reason: 'ROLE_ESCALATION', detail: `${dto.agencyCode}:${dto.role}` });
      throw new ForbiddenException({
        code: 'ROLE_ESCALATION_REFUSED',
        rule: '要點 三',
        message: `the role ${dto.role} oversees other agencies and is granted only by an administrator`,
      });
    }
    return this.commands.execute(new RegisterAgencyCommand(dto, envelopeOf(dto, req.principal.id)));
  }
}
