import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsIn, IsNotEmpty, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
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

export class RevokeApiKeyDto {
  @ApiProperty({ example: '金鑰外洩，依資安事件通報處理', description: 'Why the key is revoked (recorded with the revocation)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

export class KeyIdParam {
  @ApiProperty({ example: '0c9d5a8e-4f1b-4e2a-9c3d-7b6a5f4e3d2c' })
  @IsUUID()
  keyId!: string;
}

@ApiTags('auth')
@ApiSecurity('api-key')
@Controller('auth/keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyService) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Issue an API key (shown once; only its hash is stored, as an event)' })
  @ApiCreatedResponse({ schema: { example: { keyId: '0c9d5a8e-4f1b-4e2a-9c3d-7b6a5f4e3d2c', principalId: 'svc_swd_case_system', roles: ['integrator'], agencies: ['SWD001'], apiKey: 'wl_ydju81afRzdBzfRFPqUn2touB8q7IcSy' } } })
  async issue(@Body() dto: IssueApiKeyDto, @Req() req: AuthedRequest) {
    const { apiKey, keyId } = await this.keys.issueWithId({ id: dto.principalId, roles: dto.roles, agencies: dto.agencies }, req.principal.id);
    return { keyId, principalId: dto.principalId, roles: dto.roles, agencies: dto.agencies, apiKey };
  }

  @Get()
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({ summary: 'Issued keys: ids, principals and whether revoked, never the keys or their hashes; an integrator sees its own keys only' })
  @ApiOkResponse({ schema: { example: [{ keyId: '0c9d5a8e-4f1b-4e2a-9c3d-7b6a5f4e3d2c', principal: { id: 'svc_swd_case_system', roles: ['integrator'], agencies: ['SWD001'] }, revoked: false }] } })
  async list(@Req() req: AuthedRequest) {
    const all = await this.keys.list();
    const { principal } = req;
    const seesAll = principal.roles.some((r) => r === 'admin' || r === 'auditor' || r === 'ethics');
    return seesAll ? all : all.filter((k) => k.principal.id === principal.id);
  }

  @Post(':keyId/revocation')
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({ summary: 'Revoke an API key: refused by every running instance from its next request on (also `npm run cli -- revoke-key`)' })
  @ApiCreatedResponse({ schema: { example: { keyId: '0c9d5a8e-4f1b-4e2a-9c3d-7b6a5f4e3d2c', revokedAt: '2025-07-01T02:00:00.000Z', alreadyRevoked: false } } })
  revoke(@Param() { keyId }: KeyIdParam, @Body() dto: RevokeApiKeyDto, @Req() req: AuthedRequest) {
    return this.keys.revoke(keyId, dto.reason, req.principal.id);
  }
}
