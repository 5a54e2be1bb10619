import { rocDateTime } from './labels';
import { sourceOf } from './types';

describe('cell texts built as flat strings', () => {
  it('rocDateTime gives the ROC date and Asia/Taipei time', () => {
    expect(rocDateTime('2025-03-05T06:30:00.000Z')).toBe('民國114年03月05日 14:30');
    // Across midnight in Taipei: the Taipei day, not the UTC one.
    expect(rocDateTime('2025-12-31T16:05:00.000Z')).toBe('民國115年01月01日 00:05');
  });

  it('sourceOf names the event as stream@revision', () => {
    expect(sourceOf({ streamId: 'queryregistration-SWD001_0001', revision: 0 })).toBe('queryregistration-SWD001_0001@0');
    expect(sourceOf({ streamId: 'account-SWD001.USER.a1', revision: 12 })).toBe('account-SWD001.USER.a1@12');
  });
});
