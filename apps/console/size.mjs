// Prints the console's first-load JavaScript, gzip: the budget is 300 kB (issue 14).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? new URL('../../dist/console/assets', import.meta.url).pathname;
const js = readdirSync(dir).filter((f) => f.endsWith('.js'));
const bytes = js.reduce((sum, f) => sum + gzipSync(readFileSync(join(dir, f))).length, 0);
process.stdout.write(`console: ${js.length} JS file(s), ${(bytes / 1024).toFixed(1)} kB gzip (budget 300 kB)\n`);
if (bytes > 300 * 1024) process.exit(1);
