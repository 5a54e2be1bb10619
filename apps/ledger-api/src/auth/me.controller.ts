import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AuthedRequest, Roles } from './auth.guard';

@ApiTags('auth')
@ApiSecurity('api-key')
@Controller('auth/me')
export class MeController {
  @Get()
  @Roles('integrator', 'auditor', 'ethics')
  @ApiOperation({ summary: 'The caller behind the API key: principal id, roles and agencies (never the key)' })
  @ApiOkResponse({ schema: { example: { principalId: 'auditor_bli', roles: ['auditor'], agencies: [] } } })
  me(@Req() req: AuthedRequest) {
    const { id, roles, agencies } = req.principal;
    return { principalId: id, roles, agencies };
  }
}
