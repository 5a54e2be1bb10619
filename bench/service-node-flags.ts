import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The node options `npm start` gives the service (its `start` script's `node --flag … main.js`), so
 * that a bench's server child runs with the same V8 settings as the service it stands for.
 */
export function serviceNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { scripts: { start: string } };
  const command = pkg.scripts.start.split('&&').at(-1)!.trim().split(/\s+/);
  if (command[0] !== 'node') throw new Error(`package.json start no longer ends with a node command: ${pkg.scripts.start}`);
  return command.slice(1).filter((token) => token.startsWith('--'));
}
