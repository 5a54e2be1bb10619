import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccessReviewCommand, accessReviewDecider, AccessReviewState, accessReviewStreamId } from '@ledger/domain';
import { CommandProcessor, CommandResult } from '../../common/command-processor';
import { AccessStates } from '../shared/access-states';
import { ClientCommand, StreamCommandMessage } from '../shared/client-command';
import { ROSTER_LOOKUP, RosterLookup } from '../shared/roster-lookup';

/** Opening names the reviewer by account id; the handler loads that account for the decider. */
interface OpenAccessReviewInput {
  type: 'OpenAccessReview';
  reviewId: string;
  agencyCode: string;
  reviewerAccountId: string;
}
export type AccessReviewInput = OpenAccessReviewInput | Exclude<ClientCommand<AccessReviewCommand>, { type: 'OpenAccessReview' }>;

export class AccessReviewCommandMessage extends StreamCommandMessage<AccessReviewInput> {}

@CommandHandler(AccessReviewCommandMessage)
export class AccessReviewCommandHandler implements ICommandHandler<AccessReviewCommandMessage, CommandResult> {
  constructor(
    private readonly processor: CommandProcessor,
    private readonly states: AccessStates,
    @Inject(ROSTER_LOOKUP) private readonly roster: RosterLookup,
  ) {}

  async execute({ input, envelope }: AccessReviewCommandMessage): Promise<CommandResult> {
    const streamId = accessReviewStreamId(input.reviewId);
    return this.processor.execute({ streamId, decider: accessReviewDecider, request: input, command: (review) => this.load(input, review) }, envelope);
  }

  /** `review` is the command's own stream, already read by the processor. */
  private async load(input: AccessReviewInput, review: AccessReviewState): Promise<AccessReviewCommand> {
    switch (input.type) {
      case 'OpenAccessReview':
      {
        const { reviewerAccountId, ...rest } = input;
        return { ...rest, reviewer: await this.states.account(reviewerAccountId) };
      }
      case 'CloseAccessReview': {
        // 要點 六(六): the review must cover every user account active when it closes.
        return { ...input, rosterAccountIds: review.status === 'NONE' ? [] : await this.roster.activeUserAccountIds(review.agencyCode) };
      }
      default:
        return input;
    }
  }
}
