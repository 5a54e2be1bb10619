import { Body, Controller, Get, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsIn, Matches } from 'class-validator';
import { ApiKeyService } from './api-key.service';
import { AuthedRequest, Roles } from './auth.guard';
import { ROLES, Role } from './principal';

export class IssueApiKeyDto {
  @ApiProperty({ example: 'svc_swd_case_system', description: 'Principal id; becomes the actor of every event it causes' })
  @Matches(/^[A-Za-z0-9_.:]{1,64}$/, { message: 'principalId must be 1–64 letters, digits, "_", "." or ":"' })
  principalId!: string;

  @ApiProperty({ enum: ROLES, isArray: true, example: ['integrator'] })
  @IsArray()
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles!: Role[];

  @ApiProperty({ example: ['SWD001'], description: 'Agencies an integrator may send commands for' })
  @IsArray()
  @Matches(/^[A-Za-z0-9_]{1,32}$/, { each: true, message: 'each agency code must be 1–32 letters, digits or underscores' })
  agencies!: string[];
}

@ApiTags('auth')
@ApiSecurity('api-key')
@Controller('auth/keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyService) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Issue an API key (shown once; only its hash is stored, as an event)' })
  @ApiCreatedResponse({ schema: { example: { principalId: 'svc_swd_case_system', roles: ['integrator'], agencies: ['SWD001'], apiKey: 'wl_ydju81afRzdBzfRFPqUn2touB8q7IcSy' } } })
  async issue(@Body() dto: IssueApiKeyDto, @Req() req: AuthedRequest) {
    const apiKey = await this.keys.issue({ id: dto.principalId, roles: dto.roles, agencies: dto.agencies }, req.principal.id);
    return { principalId: dto.principalId, roles: dto.roles, agencies: dto.agencies, apiKey };
  }

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Issued keys (ids and principals, never the keys)' })
  @ApiOkResponse({ schema: { example: [{ keyId: '0c9d…', principal: { id: 'svc_swd_case_system', roles: ['integrator'], agencies: ['SWD001'] }, revoked: false }] } })
  list() {
    return this.keys.list();
  }
}
