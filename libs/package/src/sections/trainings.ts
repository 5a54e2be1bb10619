import { roc } from './labels';
import { sourceOf, type SectionDefinition, type SectionRow } from './types';

/** 要點 十(二): security trainings of the dedicated staff completed in the period. */
export const trainingsSection: SectionDefinition = {
  id: 'trainings',
  title: '專責人員資通安全教育訓練',
  rule: '要點 十(二)',
  file: '06-教育訓練.csv',
  headers: ['人員代碼', '完成日期', '課程'],
  reportColumns: [0, 1, 2],
  start({ agencyCode, period }) {
    const rows: SectionRow[] = [];
    return {
      accept(e) {
        if (e.type !== 'DedicatedStaffTrainingRecorded' || e.streamId !== `agency-${agencyCode}`) return;
        const d = e.data as { personId: string; completedOn: string; course: string };
        if (d.completedOn < period.from || d.completedOn > period.to) return;
        rows.push({ cells: [d.personId, roc(d.completedOn), d.course], source: sourceOf(e) });
      },
      finish: () => ({ rows, summary: [] }),
    };
  },
};
