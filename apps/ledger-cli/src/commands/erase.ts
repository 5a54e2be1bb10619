import type { Command } from 'commander';
import { DomainRuleError, NotFoundError } from '@ledger/domain';
import { ROSTER, RosterEntry } from '@ledger/projections';
import { createEventStore, createPersonalData, createReadModelStore, loadConfig } from '@ledger/platform';
import { erasePerson } from '../../../ledger-api/src/erasure/erasure.service';
import { setExitCode } from '../exit';

/**
 * 要點 十一: erases a person (data key and blind-index rows destroyed, PersonErased appended) and
 * prints the receipt as JSON. Exit 0 done, 1 refused (retention duty, unknown person, already erased).
 */
export function registerErase(program: Command): void {
  program
    .command('erase')
    .description("erase a person's personal data (要點 十一); refused while a 5-year retention duty runs unless --legal-override is given")
    .requiredOption('--person <personId>', "the ledger's random person id (person_…)")
    .requiredOption('--reason <text>', 'legal ground of the erasure (no personal data)')
    .option('--legal-override <text>', 'legal ground to erase while a retention duty still runs')
    .option('--actor <id>', 'who ordered the erasure', 'cli:operator')
    .action(async (options: { person: string; reason: string; legalOverride?: string; actor: string }) => {
      const config = loadConfig();
      const store = await createEventStore(config);
      const personal = await createPersonalData(config);
      const readModels = await createReadModelStore(config);
      try {
        const receipt = await erasePerson(
          {
            store,
            protector: personal.protector,
            clock: () => new Date(),
            lastReviewedAt: async (accountId) => (await readModels.get<RosterEntry>(ROSTER.accounts, accountId))?.lastReviewedAt ?? null,
          },
          { personId: options.person, reason: options.reason, legalOverride: options.legalOverride, actor: options.actor },
        );
        process.stdout.write(JSON.stringify(receipt, null, 2) + '\n');
        setExitCode(0);
      } catch (error) {
        if (!(error instanceof DomainRuleError || error instanceof NotFoundError)) throw error;
        process.stderr.write(`refused: ${error.code}${error instanceof DomainRuleError ? ` (${error.rule})` : ''}: ${error.message}\n`);
        setExitCode(1);
      } finally {
        await readModels.close();
        await personal.close();
        await store.close();
      }
    });
}
