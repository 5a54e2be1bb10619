import { Module } from '@nestjs/common';

/** Accounts, permissions and approvals (要點 二–七, 十) over HTTP. */
@Module({ controllers: [], providers: [] })
export class AccessModule {}
