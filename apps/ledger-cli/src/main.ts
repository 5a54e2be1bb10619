import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { registerErase } from './commands/erase';
import { registerImportLog } from './commands/import-log';
import { registerProject } from './commands/project';
import { registerRebuild } from './commands/rebuild';
import { registerRevokeKey } from './commands/revoke-key';
import { registerVerify } from './commands/verify';
import { registerVerifyProof } from './commands/verify-proof';
import { registerVerifySample } from './commands/verify-sample';
import { registerPackage } from './commands/package';
import { registerVerifyPackage } from './commands/verify-package';
import { StoreUnavailableError } from '@ledger/event-store';
import { exitCode } from './exit';

/** Every command lives in ./commands, one file each, registered here. Usage errors exit 2. */
export function buildProgram(): Command {
  const program = new Command('npm run cli --')
    .usage('<command> [options]')
    .description('webir-ledger command line for auditors and operators')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  registerVerify(program);
  registerVerifyProof(program);
  registerRebuild(program);
  registerProject(program);
  registerErase(program);
  registerRevokeKey(program);
  // WebIR query logs (issue 10)
  registerImportLog(program);
  registerVerifySample(program);
  registerPackage(program);
  registerVerifyPackage(program);
  for (const command of program.commands) command.exitOverride().showHelpAfterError();
  return program;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    buildProgram().outputHelp({ error: true });
    return 2;
  }
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return exitCode();
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    // A store down, or an embedded file another process kept locked (see busyAsUnavailable): nothing of
    // the refused write was kept, and every command may simply be run again (an import resumes where
    // it stopped). 75 is EX_TEMPFAIL, for scripts that retry.
    if (error instanceof StoreUnavailableError) {
      process.stderr.write(`unavailable: ${error.message}; nothing of the refused write was kept: run the same command again\n`);
      process.exit(75);
    }
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
