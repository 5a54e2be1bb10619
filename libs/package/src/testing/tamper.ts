import { createHash } from 'node:crypto';
import { ZipFile } from 'yazl';
import { FILES, type Manifest } from '../format';
import { readZip } from '../verify/read-zip';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Rewrites a package the way someone holding it could: change entries, and optionally rewrite
 * manifest.json so that its digests match the changed files.
 */
export async function tamper(zip: Buffer, edit: (entries: Map<string, Buffer>) => void, options: { rewriteManifest?: boolean } = {}): Promise<Buffer> {
  const { entries } = await readZip(zip);
  edit(entries);
  if (options.rewriteManifest) {
    const manifest = JSON.parse(entries.get(FILES.manifest)!.toString('utf8')) as Manifest;
    manifest.files = manifest.files.map((f) => (entries.has(f.path) ? { ...f, sha256: sha256(entries.get(f.path)!), bytes: entries.get(f.path)!.length } : f));
    entries.set(FILES.manifest, Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  }
  const out = new ZipFile();
  for (const [name, content] of entries) out.addBuffer(content, name);
  out.end();
  const chunks: Buffer[] = [];
  for await (const chunk of out.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export const editText = (entries: Map<string, Buffer>, name: string, fn: (text: string) => string) => entries.set(name, Buffer.from(fn(entries.get(name)!.toString('utf8')), 'utf8'));

/** events.jsonl as lines, edited, and written back. */
export const editEventLines = (entries: Map<string, Buffer>, fn: (lines: string[]) => string[]) =>
  editText(entries, FILES.events, (t) => fn(t.split('\n').filter(Boolean)).join('\n') + '\n');
