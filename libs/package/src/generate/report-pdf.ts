import PDFDocument from 'pdfkit';
import type { SectionDefinition, SectionResult } from '../sections/types';
import { REPORT_ROWS, reportLines, type ReportFacts } from '../report-text';

const REGULAR = require.resolve('@expo-google-fonts/noto-sans-tc/400Regular/NotoSansTC_400Regular.ttf');
const BOLD = require.resolve('@expo-google-fonts/noto-sans-tc/700Bold/NotoSansTC_700Bold.ttf');

/**
 * report.pdf: Traditional Chinese with ROC dates, each section titled with its 要點 point, its row
 * count and figures, the first rows of its table, and the integrity statement. The font is embedded
 * (subset) from an npm package, so no system font is needed. The creation date is the package's, so
 * the same ledger, parameters and time give the same bytes.
 */
export async function renderReport(facts: ReportFacts, sections: { def: SectionDefinition; result: SectionResult }[]): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 50, bottom: 50, left: 50, right: 50 },
    info: { Title: `勞保WebIR稽核資料包 ${facts.agencyCode}`, Producer: 'webir-ledger', Creator: 'webir-ledger', CreationDate: new Date(facts.generatedAt) },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  doc.registerFont('regular', REGULAR);
  doc.registerFont('bold', BOLD);
  for (const line of reportLines(facts, sections, REPORT_ROWS)) {
    if (line.kind === 'title') doc.font('bold').fontSize(16).text(line.text, { align: 'left' }).moveDown(0.3);
    else if (line.kind === 'heading') {
      if (doc.y > doc.page.height - 160) doc.addPage();
      doc.moveDown(0.6).font('bold').fontSize(12).text(line.text).moveDown(0.2);
    } else if (line.kind === 'figure') doc.font('regular').fontSize(10).text(line.text);
    else if (line.kind === 'row') doc.font('regular').fontSize(7.5).text(line.text, { indent: 8 });
    else doc.font('regular').fontSize(9).fillColor('#444444').text(line.text).fillColor('black');
  }
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
