import type { Command } from 'commander';
import { createEventStore, loadConfig } from '@ledger/platform';
import { ApiKeyNotFoundError, revokeApiKey } from '../../../ledger-api/src/auth/api-key.service';
import { setExitCode } from '../exit';

/** Revokes an API key in the ledger; every running instance refuses it from its next request on. */
export function registerRevokeKey(program: Command): void {
  program
    .command('revoke-key')
    .description('revoke an API key by its keyId (see GET /auth/keys); running services refuse it at once')
    .argument('<keyId>', 'the keyId of the key')
    .requiredOption('--reason <text>', 'why the key is revoked')
    .option('--actor <id>', 'who revokes it', 'cli:operator')
    .action(async (keyId: string, options: { reason: string; actor: string }) => {
      const store = await createEventStore(loadConfig());
      try {
        const result = await revokeApiKey(store, { keyId, reason: options.reason, actor: options.actor, at: new Date() });
        process.stdout.write(JSON.stringify(result) + '\n');
        setExitCode(0);
      } catch (error) {
        if (!(error instanceof ApiKeyNotFoundError)) throw error;
        process.stderr.write(`refused: ${error.message}\n`);
        setExitCode(1);
      } finally {
        await store.close();
      }
    });
}
