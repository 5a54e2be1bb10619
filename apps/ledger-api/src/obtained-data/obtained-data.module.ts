import { Module } from '@nestjs/common';
import { AccessScope } from '../access/shared/access-scope';
import { AccessStates } from '../access/shared/access-states';
import { ObtainedDataController } from './obtained-data.controller';
import { ObtainedDataCommandHandler } from './obtained-data.handler';
import { ObtainedDataReadController } from './obtained-data.read';

/** Obtained data and its deletion (要點 八、九(一)3、十一) over HTTP. */
@Module({
  // The read controller first: its fixed path must win over `:recordId`.
  controllers: [ObtainedDataReadController, ObtainedDataController],
  providers: [AccessStates, AccessScope, ObtainedDataCommandHandler],
})
export class ObtainedDataModule {}
