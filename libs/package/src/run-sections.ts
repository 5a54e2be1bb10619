import { upcast } from '@ledger/domain/core/event-registry';
import type { RecordedEvent } from '@ledger/event-store/types';
import { csvLine } from './csv';
import { SECTIONS, type SectionBuilder, type SectionContext, type SectionDefinition, type SectionResult } from './sections';

/** Runs every section builder over the package's events; the generator and the verifier share it. */
export class SectionRun {
  private readonly builders: { def: SectionDefinition; builder: SectionBuilder }[];

  constructor(context: SectionContext, sections: readonly SectionDefinition[] = SECTIONS) {
    this.builders = sections.map((def) => ({ def, builder: def.start(context) }));
  }

  accept(event: RecordedEvent): void {
    const current = upcast(event);
    for (const { builder } of this.builders) builder.accept(current);
  }

  async finish(): Promise<{ def: SectionDefinition; result: SectionResult }[]> {
    const out: { def: SectionDefinition; result: SectionResult }[] = [];
    for (const { def, builder } of this.builders) out.push({ def, result: await builder.finish() });
    return out;
  }
}

export const csvTitle = (def: SectionDefinition, agencyCode: string, period: string) => [`${def.title}(${def.rule})`, `機關代碼:${agencyCode}`, `期間:${period}`];
export const csvHeaders = (def: SectionDefinition) => [...def.headers, '來源事件'];

/** A section's CSV in parts (BOM, title row, headers, then rows in blocks), never one giant string. */
function* csvParts(def: SectionDefinition, agencyCode: string, period: string, rows: { cells: string[]; source: string }[]): Generator<Buffer> {
  yield Buffer.from('\uFEFF' + csvLine(csvTitle(def, agencyCode, period)) + '\r\n' + csvLine(csvHeaders(def)) + '\r\n', 'utf8');
  for (let i = 0; i < rows.length; i += 5000) {
    let text = '';
    for (let j = i; j < Math.min(i + 5000, rows.length); j++) text += csvLine([...rows[j].cells, rows[j].source]) + '\r\n';
    yield Buffer.from(text, 'utf8');
  }
}

/** A section's CSV as the package holds it: BOM, title row, headers, rows with their source event. */
export function sectionCsv(def: SectionDefinition, agencyCode: string, period: string, rows: { cells: string[]; source: string }[]): Buffer {
  return Buffer.concat([...csvParts(def, agencyCode, period, rows)]);
}

/** Whether a file is byte for byte sectionCsv(…), compared part by part (the whole expected file is never built). */
export function csvEquals(content: Buffer, def: SectionDefinition, agencyCode: string, period: string, rows: { cells: string[]; source: string }[]): boolean {
  let at = 0;
  for (const part of csvParts(def, agencyCode, period, rows)) {
    if (at + part.length > content.length || !content.subarray(at, at + part.length).equals(part)) return false;
    at += part.length;
  }
  return at === content.length;
}
