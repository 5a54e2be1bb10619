import { addDays, monthEnd, taipeiDateOf } from '../core/calendar';
import type { Decider } from '../core/decider';
import { ValidationError } from '../core/domain-error';
import { optionalText, refuse, requireOneOf, requireText } from '../core/guards';
import { assertIdSegment } from '../core/stream-id';
import type { MonthlyCheckCommand } from './monthly-check.commands';
import { COMPARISON_OUTCOMES, ComparisonOutcome, MonthlyCheckEvent, monthlyCheckStreamId } from './monthly-check.events';
import { drawSample } from './sampling';

export interface MonthlyCheckRecord {
  agencyCode: string;
  month: string;
  population: number;
  sampleSize: number;
  seed: string;
  sample: string[];
  compared: Record<string, ComparisonOutcome>;
  jointAuditIds: string[];
  checkerPersonId: string | null;
}

export type MonthlyCheckState = { status: 'NONE' } | (MonthlyCheckRecord & { status: 'DRAWN' | 'SIGNED_OFF' });

export const SAMPLING_RULE = '要點 十二(一)';
export const JOINT_AUDIT_RULE = '要點 十二(二)';
/** 要點 十二(二) names no period for the joint audit report: 30 days is this project's default. */
export const JOINT_AUDIT_REPORT_DAYS = 30;
/** A report period the 要點 leaves open may be configured, within a year. */
export const MAX_PROJECT_REPORT_DAYS = 365;

/** A configured report period, or a ValidationError naming the field. */
export function reportDays(days: number | undefined, fallback: number, field: string): number {
  const n = days ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PROJECT_REPORT_DAYS) throw new ValidationError(field, `must be 1–${MAX_PROJECT_REPORT_DAYS}`);
  return n;
}

export const monthlyCheckDecider: Decider<MonthlyCheckCommand, MonthlyCheckEvent, MonthlyCheckState> = {
  initialState: () => ({ status: 'NONE' }),

  evolve(state, event) {
    switch (event.type) {
      case 'MonthlySampleDrawn': {
        const d = event.data;
        return {
          status: 'DRAWN',
          agencyCode: d.agencyCode,
          month: d.month,
          population: d.population,
          sampleSize: d.sampleSize,
          seed: d.seed,
          sample: d.sample,
          compared: {},
          jointAuditIds: [],
          checkerPersonId: null,
        };
      }
      case 'SampleEntryCompared':
        return state.status === 'NONE' ? state : { ...state, compared: { ...state.compared, [event.data.entryId]: event.data.outcome } };
      case 'MajorAnomalyFound':
        return state.status === 'NONE' ? state : { ...state, jointAuditIds: [...state.jointAuditIds, event.data.jointAuditId] };
      case 'MonthlyCheckSignedOff':
        return state.status === 'NONE' ? state : { ...state, status: 'SIGNED_OFF', checkerPersonId: event.data.checkerPersonId };
      default:
        return state;
    }
  },

  decide(command, state, context) {
    monthlyCheckStreamId(command.agencyCode, command.month);
    const { agencyCode, month } = command;

    if (command.type === 'DrawMonthlySample') {
      const { agency } = command;
      if (!agency.registered || agency.role !== 'DATA_REQUESTER' || !agency.approvedForWebIR) {
        refuse('MONTHLY_CHECK_NOT_A_REQUESTER', SAMPLING_RULE, 'the monthly sampling check is made by a data-requester agency approved for WebIR');
      }
      if (state.status !== 'NONE') refuse('MONTHLY_SAMPLE_ALREADY_DRAWN', SAMPLING_RULE, `the sample of ${month} was drawn already`);
      // The seed must not exist before the month ends: the first checkpoint signed after it.
      const end = monthEnd(month);
      const cp = command.closingCheckpoint;
      if (context.now.toISOString() < end || !cp || cp.recordedAt < end) {
        refuse('SAMPLE_MONTH_NOT_CLOSED', SAMPLING_RULE, `no checkpoint has been signed since ${month} closed (Asia/Taipei); the sample cannot be drawn yet`, { monthEnd: end });
      }
      // A file still importing would join the population after the draw: the sample waits for it.
      if ((command.importsIncomplete ?? 0) > 0) {
        refuse('SAMPLE_LOG_IMPORT_INCOMPLETE', SAMPLING_RULE, `a WebIR log of ${month} is still being imported; resume it before drawing`, { importsIncomplete: command.importsIncomplete });
      }
      const draw = drawSample(
        { agencyCode, month, checkpoint: { origin: cp.origin, treeSize: cp.treeSize, rootHash: cp.rootHash }, logDigests: command.logDigests, entryIds: command.entryIds },
        command.sha256,
      );
      if (command.expectedSeed !== undefined && command.expectedSeed.toLowerCase() !== draw.seed) {
        refuse('SAMPLE_SEED_MISMATCH', SAMPLING_RULE, 'the seed given is not the one of the checkpoint that closed the month and its logs', { seed: draw.seed });
      }
      return [
        {
          type: 'MonthlySampleDrawn',
          data: {
            agencyCode,
            month,
            algorithm: draw.algorithm,
            population: draw.population,
            sampleSize: draw.sampleSize,
            populationDigest: draw.populationDigest,
            logDigests: draw.logDigests,
            checkpoint: { ...cp },
            seed: draw.seed,
            sample: draw.sample,
          },
        },
      ];
    }

    if (state.status === 'NONE') refuse('MONTHLY_SAMPLE_NOT_DRAWN', SAMPLING_RULE, `no sample of ${month} has been drawn`);
    // The signed-off record is what goes to the competent authority; it is not amended afterwards.
    if (state.status === 'SIGNED_OFF') refuse('MONTHLY_CHECK_SIGNED_OFF', SAMPLING_RULE, `the check of ${month} is signed off`);

    switch (command.type) {
      case 'RecordSampleComparison': {
        const entryId = requireText(command.entryId, 'entryId');
        const outcome = requireOneOf(command.outcome, COMPARISON_OUTCOMES, 'outcome');
        if (!state.sample.includes(entryId)) refuse('SAMPLE_ENTRY_NOT_SAMPLED', SAMPLING_RULE, 'the entry is not in the drawn sample');
        if (state.compared[entryId]) refuse('SAMPLE_ENTRY_ALREADY_COMPARED', SAMPLING_RULE, 'the entry has been compared already');
        const registrationId = command.registrationId ?? null;
        if (outcome === 'MISSING' && registrationId !== null) throw new ValidationError('registrationId', 'must be absent when no registration was found (MISSING)');
        if (outcome !== 'MISSING') {
          if (registrationId === null) throw new ValidationError('registrationId', 'is required: the registration the entry was compared with');
          assertIdSegment(registrationId, 'registrationId');
        }
        const note = optionalText(command.note);
        if (outcome !== 'MATCH' && note === null) refuse('SAMPLE_DISCREPANCY_NEEDS_NOTE', SAMPLING_RULE, 'a mismatch or a missing registration needs a note of what was found');
        const majorAnomaly = command.majorAnomaly === true;
        if (majorAnomaly && outcome === 'MATCH') refuse('MAJOR_ANOMALY_NEEDS_DISCREPANCY', JOINT_AUDIT_RULE, 'only a mismatch or a missing registration can be a major anomaly');
        const events: MonthlyCheckEvent[] = [{ type: 'SampleEntryCompared', data: { agencyCode, month, entryId, outcome, registrationId, note, majorAnomaly } }];
        if (majorAnomaly) {
          const jointAuditId = requireText(command.jointAuditId, 'jointAuditId');
          const reportDueDate = addDays(taipeiDateOf(context.occurredAt), reportDays(command.jointAuditReportDays, JOINT_AUDIT_REPORT_DAYS, 'jointAuditReportDays'));
          events.push({ type: 'MajorAnomalyFound', data: { agencyCode, month, entryId, jointAuditId, reportDueDate, rule: JOINT_AUDIT_RULE } });
        }
        return events;
      }

      case 'SignOffMonthlyCheck': {
        const checkerPersonId = requireText(command.checkerPersonId, 'checkerPersonId');
        const uncompared = state.sample.filter((id) => !state.compared[id]).length;
        if (uncompared > 0) refuse('SAMPLE_COMPARISON_INCOMPLETE', SAMPLING_RULE, 'every sampled entry needs its comparison before sign-off', { uncompared });
        // 要點 十(一): the checks are done by the staff the agency designated for them.
        if (command.agency.personnel.DEDICATED_STAFF?.personId !== checkerPersonId) {
          refuse('CHECKER_NOT_DEDICATED_STAFF', '要點 十(一)', "the check is signed off by the agency's designated dedicated staff");
        }
        const outcomes = Object.fromEntries(COMPARISON_OUTCOMES.map((o) => [o, 0])) as Record<ComparisonOutcome, number>;
        for (const outcome of Object.values(state.compared)) outcomes[outcome] += 1;
        return [
          {
            type: 'MonthlyCheckSignedOff',
            data: { agencyCode, month, checkerPersonId, population: state.population, sampleSize: state.sampleSize, outcomes, jointAuditIds: state.jointAuditIds },
          },
        ];
      }
    }
  },
};
