import { inflateSync } from 'node:zlib';

/**
 * The text of a PDF as its fonts' ToUnicode maps spell it, one string per text-showing operator, in
 * content-stream order. Enough for the PDFs this package's generator writes (pdfkit: Type0 fonts with
 * ToUnicode maps, Flate content streams, hex-string TJ arrays); anything it cannot read yields no text,
 * and the verifier then reports the figures it could not find. No renderer, no dependency.
 */
export function extractPdfText(pdf: Buffer): string[] {
  const src = pdf.toString('latin1');
  const objects = new Map<number, { dict: string; stream?: Buffer }>();
  const objRe = /(\d+) 0 obj\b/g;
  for (let m = objRe.exec(src); m; m = objRe.exec(src)) {
    const start = m.index + m[0].length;
    const end = src.indexOf('endobj', start);
    if (end < 0) break;
    const body = src.slice(start, end);
    const s = body.indexOf('stream');
    if (s < 0) {
      objects.set(Number(m[1]), { dict: body });
      continue;
    }
    const dict = body.slice(0, s);
    let dataStart = start + s + 'stream'.length;
    if (src[dataStart] === '\r') dataStart++;
    if (src[dataStart] === '\n') dataStart++;
    const length = /\/Length (\d+)(?! \d+ R)/.exec(dict);
    const dataEnd = length ? dataStart + Number(length[1]) : src.lastIndexOf('endstream', end);
    let data = pdf.subarray(dataStart, dataEnd);
    if (/\/Filter\s*\/FlateDecode/.test(dict)) {
      try {
        data = inflateSync(data);
      } catch {
        data = Buffer.alloc(0);
      }
    }
    objects.set(Number(m[1]), { dict, stream: data });
    objRe.lastIndex = end;
  }
  const cmaps = new Map<number, Map<number, string>>();
  const fontNames = new Map<string, number>();
  for (const [num, obj] of objects) {
    const tu = /\/ToUnicode (\d+) 0 R/.exec(obj.dict);
    if (tu) {
      const cm = objects.get(Number(tu[1]))?.stream;
      if (cm) cmaps.set(num, parseCMap(cm.toString('latin1')));
    }
    const fonts = /\/Font\s*<<([^>]*)>>/.exec(obj.dict);
    if (fonts) for (const f of fonts[1].matchAll(/\/(\S+?)\s+(\d+) 0 R/g)) fontNames.set(f[1], Number(f[2]));
  }
  const texts: string[] = [];
  for (const obj of objects.values()) {
    const contents = /\/Contents (\d+) 0 R/.exec(obj.dict);
    if (!contents || !/\/Type\s*\/Page\b/.test(obj.dict)) continue;
    const content = objects.get(Number(contents[1]))?.stream?.toString('latin1') ?? '';
    let cmap: Map<number, string> | undefined;
    const opRe = /\/(\S+) [\d.]+ Tf|\[((?:[^\]\\]|\\.)*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj/g;
    for (let op = opRe.exec(content); op; op = opRe.exec(content)) {
      if (op[1] !== undefined) {
        const fontObj = fontNames.get(op[1]);
        cmap = fontObj === undefined ? undefined : cmaps.get(fontObj);
        continue;
      }
      const hexes = op[2] !== undefined ? [...op[2].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]) : [op[3]];
      let text = '';
      for (const hex of hexes) for (let i = 0; i + 4 <= hex.length; i += 4) text += cmap?.get(parseInt(hex.slice(i, i + 4), 16)) ?? '';
      texts.push(text);
    }
  }
  return texts;
}

function utf16(spaced: string): string {
  // pdfkit writes a ligature's code points space-separated inside one hex string (<0066 0066>).
  const hex = spaced.replace(/\s+/g, '');
  let s = '';
  for (let i = 0; i + 4 <= hex.length; i += 4) s += String.fromCharCode(parseInt(hex.slice(i, i + 4), 16));
  return s;
}

function parseCMap(text: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F\s]*)>/g)) map.set(parseInt(m[1], 16), utf16(m[2]));
  }
  for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F\s]*>)/g)) {
      const lo = parseInt(m[1], 16);
      const hi = parseInt(m[2], 16);
      if (m[3].startsWith('[')) {
        [...m[3].matchAll(/<([0-9a-fA-F\s]*)>/g)].forEach((d, i) => lo + i <= hi && map.set(lo + i, utf16(d[1])));
      } else {
        const base = parseInt(m[3].slice(1, -1).replace(/\s+/g, ''), 16);
        for (let c = lo; c <= hi && c - lo < 65536; c++) map.set(c, String.fromCharCode(base + (c - lo)));
      }
    }
  }
  return map;
}
