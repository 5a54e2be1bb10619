import type { Readable } from 'node:stream';
import * as yauzl from 'yauzl';

/** A zip's directory, read first; entries are then read whole or streamed, in any order. */
export interface OpenZip {
  /** Entry names (directories left out), in the directory's order. */
  names: string[];
  /** Names the directory lists twice: reported, never silently one of them. */
  duplicates: string[];
  has(name: string): boolean;
  /** The entry's bytes, whole (for the small files). */
  read(name: string): Promise<Buffer>;
  /** The entry's bytes as a stream (events.jsonl, proofs.json: hundreds of MB never held at once). */
  stream(name: string): Promise<Readable>;
  close(): void;
}

/** Opens a zip from a file or a buffer without reading its entries. */
export async function openZip(source: string | Buffer): Promise<OpenZip> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    const done = (err: Error | null, z: yauzl.ZipFile) => (err ? reject(err) : resolve(z));
    if (typeof source === 'string') yauzl.open(source, { lazyEntries: true, decodeStrings: true, autoClose: false }, done);
    else yauzl.fromBuffer(source, { lazyEntries: true, decodeStrings: true }, done);
  });
  const entries = new Map<string, yauzl.Entry>();
  const names: string[] = [];
  const duplicates: string[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      if (!entry.fileName.endsWith('/')) {
        if (entries.has(entry.fileName)) duplicates.push(entry.fileName);
        else names.push(entry.fileName);
        // The last of a repeated name is the one read, as unzip tools do.
        entries.set(entry.fileName, entry);
      }
      zip.readEntry();
    });
    zip.readEntry();
  });
  const stream = (name: string) =>
    new Promise<Readable>((resolve, reject) => {
      const entry = entries.get(name);
      if (!entry) return reject(new Error(`no entry ${name}`));
      zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s)));
    });
  return {
    names,
    duplicates,
    has: (name) => entries.has(name),
    stream,
    async read(name) {
      const s = await stream(name);
      const chunks: Buffer[] = [];
      for await (const c of s) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    close: () => zip.close(),
  };
}

/** Every entry of a zip, by name; a name used twice is reported, not silently overwritten. */
export async function readZip(source: string | Buffer): Promise<{ entries: Map<string, Buffer>; duplicates: string[] }> {
  const zip = await openZip(source);
  try {
    const entries = new Map<string, Buffer>();
    for (const name of zip.names) entries.set(name, await zip.read(name));
    return { entries, duplicates: zip.duplicates };
  } finally {
    zip.close();
  }
}
