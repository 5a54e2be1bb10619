import * as yauzl from 'yauzl';

/** Every entry of a zip, by name; a name used twice is reported, not silently overwritten. */
export async function readZip(source: string | Buffer): Promise<{ entries: Map<string, Buffer>; duplicates: string[] }> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    const done = (err: Error | null, z: yauzl.ZipFile) => (err ? reject(err) : resolve(z));
    if (typeof source === 'string') yauzl.open(source, { lazyEntries: true, decodeStrings: true }, done);
    else yauzl.fromBuffer(source, { lazyEntries: true, decodeStrings: true }, done);
  });
  const entries = new Map<string, Buffer>();
  const duplicates: string[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName.endsWith('/')) return zip.readEntry();
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', reject);
        stream.on('end', () => {
          if (entries.has(entry.fileName)) duplicates.push(entry.fileName);
          entries.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  zip.close();
  return { entries, duplicates };
}
