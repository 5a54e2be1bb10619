import { assertIsoDate, type IsoDate } from '../core/calendar';
import type { Decider } from '../core/decider';
import { NotFoundError, ValidationError } from '../core/domain-error';
import { isBlank, optionalText, refuse, requireOneOf, requireText } from '../core/guards';
import { assertIdSegment } from '../core/stream-id';
import { requireAccountId } from '../account/account.ids';
import type { ObtainedDataCommand, ObtainedDataCopyInput } from './obtained-data.commands';
import {
  DELETION_METHODS,
  DISCLOSURE_RECIPIENTS,
  OBTAINED_COPY_KINDS,
  OBTAINED_MEDIA,
  OBTAINED_PROTECTIONS,
  ObtainedDataCopy,
  ObtainedDataEvent,
  ObtainedDataRecorded,
  obtainedDataStreamId,
  USE_END_REASONS,
} from './obtained-data.events';
import { assertMethodFits, assertProtected, DELETION_RULE, deletionDueDate } from './obtained-data.rules';

export interface ObtainedDataRecord extends Omit<ObtainedDataRecorded['data'], 'copies'> {
  copies: (ObtainedDataCopy & { deleted: boolean })[];
  temporaryFilesCleared: boolean;
  disclosureIds: string[];
  deletionIds: string[];
  useEnded: { endedOn: IsoDate; reason: string; dueDate: IsoDate } | null;
}

export type ObtainedDataState = { status: 'NONE' } | (ObtainedDataRecord & { status: 'HELD' | 'USE_ENDED' | 'DELETED' });

const MAX_TEXT = 500;
const MAX_REGISTRATIONS = 1000;
const MAX_COPIES = 100;

export const obtainedDataDecider: Decider<ObtainedDataCommand, ObtainedDataEvent, ObtainedDataState> = {
  initialState: () => ({ status: 'NONE' }),

  evolve(state, event) {
    if (event.type === 'ObtainedDataRecorded') {
      const d = event.data;
      return { status: 'HELD', ...d, copies: d.copies.map((c) => ({ ...c, deleted: false })), temporaryFilesCleared: false, disclosureIds: [], deletionIds: [], useEnded: null };
    }
    if (state.status === 'NONE') return state;
    switch (event.type) {
      case 'ObtainedDataCopyMade':
        return { ...state, copies: [...state.copies, { ...event.data.copy, deleted: false }] };
      case 'ObtainedDataDisclosed':
        return { ...state, disclosureIds: [...state.disclosureIds, event.data.disclosureId] };
      case 'ObtainedDataUseEnded':
        return { ...state, status: 'USE_ENDED', useEnded: { endedOn: event.data.endedOn, reason: event.data.reason, dueDate: event.data.duty.dueDate } };
      case 'ObtainedDataDeleted': {
        const gone = new Set(event.data.copyIds);
        return {
          ...state,
          status: event.data.complete ? 'DELETED' : state.status,
          copies: state.copies.map((c) => (gone.has(c.copyId) ? { ...c, deleted: true } : c)),
          temporaryFilesCleared: state.temporaryFilesCleared || event.data.temporaryFilesCleared,
          deletionIds: [...state.deletionIds, event.data.deletionId],
        };
      }
      default:
        return state;
    }
  },

  decide(command, state) {
    if (command.type === 'RecordObtainedData') {
      obtainedDataStreamId(command.recordId);
      assertIdSegment(command.agencyCode, 'agencyCode');
      if (state.status !== 'NONE') refuse('OBTAINED_DATA_ALREADY_RECORDED', '要點 九(一)3', `obtained data ${command.recordId} is already recorded`);
      const registrationIds = requireIds(command.registrationIds, 'registrationIds', MAX_REGISTRATIONS);
      // 要點 九(一)1: obtained data comes from registered queries of the same agency.
      const unknown = registrationIds.filter((id) => command.registrationAgencies[id] !== command.agencyCode);
      if (unknown.length > 0) {
        refuse('OBTAINED_DATA_REGISTRATION_UNKNOWN', '要點 九(一)', "every registration named must be one of the agency's query registrations", { registrationIds: unknown.slice(0, 10) });
      }
      assertIsoDate(command.obtainedOn, 'obtainedOn');
      const use = command.use;
      if (!use || typeof use !== 'object') throw new ValidationError('use', 'must give the declared period of use and its basis (要點 十一(二)2)');
      if (use.until !== null) {
        assertIsoDate(use.until, 'use.until');
        if (use.until < command.obtainedOn) throw new ValidationError('use.until', 'must not be before obtainedOn');
      }
      const retention = command.statutoryRetention;
      if (retention !== null) assertIsoDate(retention?.until, 'statutoryRetention.until');
      if (!Array.isArray(command.copies) || command.copies.length === 0 || command.copies.length > MAX_COPIES) {
        throw new ValidationError('copies', `must list 1–${MAX_COPIES} copies: where and how the data is kept (要點 九(一)3)`);
      }
      const copies = command.copies.map((c, i) => copyOf(c, `copies.${i}`));
      assertDistinct(copies.map((c) => c.copyId), 'copies');
      return [
        {
          type: 'ObtainedDataRecorded',
          data: {
            recordId: command.recordId,
            agencyCode: command.agencyCode,
            registrationIds,
            obtainedOn: command.obtainedOn,
            legalBasis: text(command.legalBasis, 'legalBasis'),
            use: { until: use.until, basis: text(use.basis, 'use.basis') },
            statutoryRetention: retention === null ? null : { until: retention.until, basis: text(retention.basis, 'statutoryRetention.basis') },
            copies,
          },
        },
      ];
    }

    if (state.status === 'NONE') throw new NotFoundError('obtained data', command.recordId);
    const { recordId, agencyCode } = state;
    if (state.status === 'DELETED') refuse('OBTAINED_DATA_DELETED', '要點 十一(三)', 'the obtained data has been deleted, with every copy');

    switch (command.type) {
      case 'RecordObtainedDataCopy': {
        const copy = copyOf(command.copy, 'copy');
        if (state.copies.some((c) => c.copyId === copy.copyId)) refuse('OBTAINED_DATA_ID_REUSED', '要點 十一(三)', `copy ${copy.copyId} is already recorded`);
        return [{ type: 'ObtainedDataCopyMade', data: { recordId, agencyCode, copy } }];
      }

      case 'DiscloseObtainedData': {
        assertIdSegment(command.disclosureId, 'disclosureId');
        if (state.disclosureIds.includes(command.disclosureId)) refuse('OBTAINED_DATA_ID_REUSED', '要點 十一(三)', `disclosure ${command.disclosureId} is already recorded`);
        const recipientKind = requireOneOf(command.recipientKind, DISCLOSURE_RECIPIENTS, 'recipientKind');
        assertIsoDate(command.disclosedOn, 'disclosedOn');
        const legalBasis = optionalText(command.legalBasis);
        if (legalBasis !== null && [...legalBasis].length > MAX_TEXT) throw new ValidationError('legalBasis', `must be at most ${MAX_TEXT} characters`);
        // 要點 八: no disclosure to a third party and no international transfer without a legal basis. One
        // planned is refused; one that already happened is a fact the ledger must keep, flagged.
        if (legalBasis === null && command.reportedBreach !== true) {
          refuse('DISCLOSURE_WITHOUT_LEGAL_BASIS', '要點 八', `a disclosure (${recipientKind}) needs a legal basis`, { recipientKind });
        }
        return [
          {
            type: 'ObtainedDataDisclosed',
            data: {
              recordId,
              agencyCode,
              disclosureId: command.disclosureId,
              recipientKind,
              recipient: text(command.recipient, 'recipient'),
              disclosedOn: command.disclosedOn,
              legalBasis,
              flag: legalBasis === null ? 'NO_LEGAL_BASIS' : null,
            },
          },
        ];
      }

      case 'EndObtainedDataUse': {
        if (state.status !== 'HELD') refuse('OBTAINED_DATA_USE_ALREADY_ENDED', DELETION_RULE, 'the use of this obtained data has already ended');
        assertIsoDate(command.endedOn, 'endedOn');
        if (command.endedOn < state.obtainedOn) throw new ValidationError('endedOn', 'must not be before obtainedOn');
        const reason = requireOneOf(command.reason, USE_END_REASONS, 'reason');
        const rule = reason === 'USE_COMPLETE' ? '要點 十一(二)2' : '要點 十一(二)3';
        const dueDate = deletionDueDate(command.endedOn, state.statutoryRetention?.until ?? null, command.deleteWithinDays);
        const note = optionalText(command.note);
        if (note !== null && [...note].length > MAX_TEXT) throw new ValidationError('note', `must be at most ${MAX_TEXT} characters`);
        return [
          { type: 'ObtainedDataUseEnded', data: { recordId, agencyCode, endedOn: command.endedOn, reason, rule, note, duty: { kind: 'DELETE_OBTAINED_DATA', rule: DELETION_RULE, dueDate } } },
        ];
      }

      case 'DeleteObtainedData': {
        assertIdSegment(command.deletionId, 'deletionId');
        if (state.deletionIds.includes(command.deletionId)) refuse('OBTAINED_DATA_ID_REUSED', '要點 十一(三)', `deletion ${command.deletionId} is already recorded`);
        if (state.status !== 'USE_ENDED' || !state.useEnded) {
          refuse('OBTAINED_DATA_USE_NOT_ENDED', DELETION_RULE, 'record that the use is complete or its basis lapsed before the deletion');
        }
        assertIsoDate(command.deletedOn, 'deletedOn');
        if (command.deletedOn < state.useEnded.endedOn) throw new ValidationError('deletedOn', 'must not be before the day use ended');
        // 要點 十一(二)1: a retention period set by law comes first.
        const retention = state.statutoryRetention;
        if (retention && command.deletedOn <= retention.until) {
          refuse('OBTAINED_DATA_RETENTION_RUNNING', '要點 十一(二)1', `the law requires keeping it until ${retention.until}`, { until: retention.until });
        }
        const method = requireOneOf(command.method, DELETION_METHODS, 'method');
        const copyIds = Array.isArray(command.copyIds) && command.copyIds.length === 0 ? [] : requireIds(command.copyIds, 'copyIds', MAX_COPIES);
        const held = state.copies.filter((c) => !c.deleted);
        const named = copyIds.map((id) => held.find((c) => c.copyId === id));
        const missing = copyIds.filter((_, i) => !named[i]);
        if (missing.length > 0) refuse('OBTAINED_DATA_COPY_UNKNOWN', '要點 十一(三)2', 'a copy named is not held (unknown, or deleted already)', { copyIds: missing });
        if (copyIds.length === 0 && command.temporaryFilesCleared !== true) throw new ValidationError('copyIds', 'must name at least one copy, unless the deletion clears temporary files');
        assertMethodFits(method, named as ObtainedDataCopy[]);
        const performedBy = command.performedBy;
        if (!performedBy || typeof performedBy !== 'object') throw new ValidationError('performedBy', 'must name the unit that deleted (and the account, when one did)');
        if (performedBy.accountId !== null) requireAccountId(performedBy.accountId);
        const evidence = command.evidence;
        // 要點 十一(三)3: the evidence of deletion is kept at least five years.
        if (!evidence || typeof evidence !== 'object') throw new ValidationError('evidence', 'must give the reference and a description of the evidence of deletion (要點 十一(三)3)');
        const temporaryFilesCleared = command.temporaryFilesCleared === true;
        const remainingCopyIds = held.filter((c) => !copyIds.includes(c.copyId)).map((c) => c.copyId);
        // 要點 十一(三)2: temporary files, backups and derived files are part of the deletion.
        const complete = remainingCopyIds.length === 0 && (state.temporaryFilesCleared || temporaryFilesCleared);
        return [
          {
            type: 'ObtainedDataDeleted',
            data: {
              recordId,
              agencyCode,
              deletionId: command.deletionId,
              deletedOn: command.deletedOn,
              copyIds,
              temporaryFilesCleared,
              method,
              performedBy: { unit: text(performedBy.unit, 'performedBy.unit'), accountId: performedBy.accountId },
              evidence: { reference: text(evidence.reference, 'evidence.reference'), description: text(evidence.description, 'evidence.description') },
              remainingCopyIds,
              complete,
              meetsDuty: complete ? 'DELETE_OBTAINED_DATA' : null,
            },
          },
        ];
      }
    }
  },
};

function copyOf(input: ObtainedDataCopyInput, field: string): ObtainedDataCopy {
  if (!input || typeof input !== 'object') throw new ValidationError(field, 'must describe the copy');
  assertIdSegment(input.copyId, `${field}.copyId`);
  const copy = {
    copyId: input.copyId,
    kind: requireOneOf(input.kind, OBTAINED_COPY_KINDS, `${field}.kind`),
    medium: requireOneOf(input.medium, OBTAINED_MEDIA, `${field}.medium`),
    protection: requireOneOf(input.protection, OBTAINED_PROTECTIONS, `${field}.protection`),
    location: text(input.location, `${field}.location`),
  };
  assertProtected(copy);
  return copy as ObtainedDataCopy;
}

function requireIds(values: unknown, field: string, max: number): string[] {
  if (!Array.isArray(values) || values.length === 0 || values.length > max) throw new ValidationError(field, `must list 1–${max} ids`);
  values.forEach((v, i) => assertIdSegment(v, `${field}.${i}`));
  assertDistinct(values as string[], field);
  return values as string[];
}

function assertDistinct(ids: string[], field: string): void {
  if (new Set(ids).size !== ids.length) throw new ValidationError(field, 'must not name an id twice');
}

function text(value: unknown, field: string): string {
  if (isBlank(value)) throw new ValidationError(field, 'is required');
  const t = requireText(value, field);
  if ([...t].length > MAX_TEXT) throw new ValidationError(field, `must be at most ${MAX_TEXT} characters`);
  return t;
}
