import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { QueryItemCommand, queryItemDecider, QueryItemState, queryItemStreamId } from '@ledger/domain';
import { CommandProcessor, CommandResult } from '../../common/command-processor';
import { AccessStates } from '../shared/access-states';
import { ClientCommand, StreamCommandMessage } from '../shared/client-command';

export type QueryItemInput = ClientCommand<QueryItemCommand>;

export class QueryItemCommandMessage extends StreamCommandMessage<QueryItemInput> {}

@CommandHandler(QueryItemCommandMessage)
export class QueryItemCommandHandler implements ICommandHandler<QueryItemCommandMessage, CommandResult> {
  constructor(
    private readonly processor: CommandProcessor,
    private readonly states: AccessStates,
  ) {}

  async execute({ input, envelope }: QueryItemCommandMessage): Promise<CommandResult> {
    const streamId = queryItemStreamId(input.agencyCode, input.operationCode);
    return this.processor.execute({ streamId, decider: queryItemDecider, request: input, command: (item) => this.load(input, item) }, envelope);
  }

  /** `item` is the command's own stream, already read by the processor. */
  private async load(input: QueryItemInput, item: QueryItemState): Promise<QueryItemCommand> {
    switch (input.type) {
      case 'ApplyForQueryItem':
        return { ...input, agency: await this.states.agency(input.agencyCode), application: await this.states.application(input.applicationId) };
      case 'GrantQueryItem': {
        // The form is the one recorded when the item was applied for, not one the caller names.
        return { ...input, application: item.status === 'NONE' ? item : await this.states.application(item.applicationId) };
      }
      default:
        return input;
    }
  }
}
