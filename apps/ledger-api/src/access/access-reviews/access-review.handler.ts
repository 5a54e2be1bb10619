import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccessReviewCommand, accessReviewDecider, accessReviewStreamId } from '@ledger/domain';
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
    return this.processor.execute(accessReviewStreamId(input.reviewId), accessReviewDecider, await this.load(input), envelope);
  }

  private async load(input: AccessReviewInput): Promise<AccessReviewCommand> {
    switch (input.type) {
      case 'OpenAccessReview':
      {
        const { reviewerAccountId, ...rest } = input;
        return { ...rest, reviewer: await this.states.account(reviewerAccountId) };
      }
      case 'CloseAccessReview': {
        // 要點 六(六): the review must cover every user account active when it closes.
        const review = await this.states.accessReview(input.reviewId);
        return { ...input, rosterAccountIds: review.status === 'NONE' ? [] : await this.roster.activeUserAccountIds(review.agencyCode) };
      }
      default:
        return input;
    }
  }
}
