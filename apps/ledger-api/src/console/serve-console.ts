import type { INestApplication } from '@nestjs/common';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/** Where `npm run build:console` writes the console (LEDGER_CONSOLE_DIR overrides, for tests and packaging). */
export function consoleDir(): string {
  return resolve(process.env.LEDGER_CONSOLE_DIR ?? join(process.cwd(), 'dist', 'console'));
}

/**
 * Serves the built auditors' console at /console from the same service. Its files are public (the
 * API key is asked for in the page and sent only to the API); every path that is not a file gets
 * index.html, so a reloaded or shared link opens the same page.
 */
export function serveConsole(app: INestApplication, dir = consoleDir()): void {
  app.use('/console', (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const urlPath = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const file = normalize(join(dir, urlPath));
    // Never outside the console's folder, whatever the URL says.
    const inside = file === dir || file.startsWith(dir + sep);
    const target = inside && existsSync(file) && statSync(file).isFile() ? file : join(dir, 'index.html');
    if (!existsSync(target)) {
      res.statusCode = 404;
      res.setHeader('content-type', 'application/problem+json; charset=utf-8');
      res.end(JSON.stringify({ status: 404, code: 'CONSOLE_NOT_BUILT', message: 'the console is not built: run npm run build:console' }));
      return;
    }
    const immutable = target.includes(`${sep}assets${sep}`);
    res.setHeader('content-type', TYPES[extname(target)] ?? 'application/octet-stream');
    res.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    // The page sends the key only to its own origin; no referrer leaves it.
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-content-type-options', 'nosniff');
    res.end(req.method === 'HEAD' ? undefined : readFileSync(target));
  });
}
