import { DynamicModule } from '@nestjs/common';
import { ConfigModule, registerAs } from '@nestjs/config';
import { LedgerConfig, loadConfig } from './config';

/** Namespace under which ConfigService serves the validated LedgerConfig (`config.get('ledger')`). */
export const LEDGER_CONFIG_NAMESPACE = 'ledger';

/**
 * The NestJS configuration module, validating the environment at start through loadConfig()'s
 * schema. Awaited by the caller (forRoot is async and validates before it resolves), so that a
 * bad variable rejects the start with a ConfigError instead of surfacing as an unhandled rejection
 * inside Nest's module scan. A test may hand in a ready config: the environment is then not read.
 */
export async function ledgerConfigModule(given?: LedgerConfig): Promise<{ module: DynamicModule; config: LedgerConfig }> {
  let config = given;
  const module = await ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: true,
    ignoreEnvVars: given !== undefined,
    validate: (env) => {
      config ??= loadConfig(env as Record<string, string | undefined>);
      // Nothing to copy back into process.env: the typed config is served under its namespace.
      return {};
    },
    load: [registerAs(LEDGER_CONFIG_NAMESPACE, () => config as LedgerConfig)],
  });
  return { module, config: config as LedgerConfig };
}
