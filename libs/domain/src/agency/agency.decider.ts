import { addDays, assertIsoDate, IsoDate, taipeiDateOf } from '../core/calendar';
import type { Decider } from '../core/decider';
import { DomainRuleError, NotFoundError, ValidationError } from '../core/domain-error';
import { optionalText, refuse, requireText } from '../core/guards';
import type { AgencyCommand } from './agency.commands';
import type { AgencyEvent, AgencyRole, PersonnelRole } from './agency.events';

export interface Designation {
  personId: string;
  effectiveDate: IsoDate;
  changeNo: number;
}

export interface AgencyState {
  registered: boolean;
  agencyCode?: string;
  name?: string;
  role?: AgencyRole;
  approvedForWebIR: boolean;
  personnel: Partial<Record<PersonnelRole, Designation>>;
  changeCount: number;
  /** 要點 七: personnel changes BLI has not yet been told about. */
  bliNoticesDue: { changeNo: number; dueDate: IsoDate }[];
}

/** 要點 七: BLI must hear of the change within 7 days after it. */
export const BLI_NOTICE_DAYS = 7;

/**
 * The one place the BLI-notice due date is decided: the event carries it and every reader (the
 * obligations read model, the notice's onTime) reads it from there. A configured period may only
 * be stricter than the 要點's.
 */
export function bliNoticeDueDate(effectiveDate: IsoDate, configuredDays: number = BLI_NOTICE_DAYS): IsoDate {
  if (!Number.isInteger(configuredDays) || configuredDays < 1 || configuredDays > BLI_NOTICE_DAYS) {
    throw new ValidationError('bliNoticeDays', `must be 1–${BLI_NOTICE_DAYS}: 要點 七 allows a stricter deadline, never a looser one`);
  }
  return addDays(effectiveDate, configuredDays);
}

/**
 * 要點 二(三): a data-requester agency needs the competent authority's consent; the central admin
 * and the competent authority are named by the 要點 itself.
 */
export function isApprovedForWebIR(agency: AgencyState): boolean {
  return agency.registered && (agency.role !== 'DATA_REQUESTER' || agency.approvedForWebIR);
}

export const agencyDecider: Decider<AgencyCommand, AgencyEvent, AgencyState> = {
  initialState: () => ({ registered: false, approvedForWebIR: false, personnel: {}, changeCount: 0, bliNoticesDue: [] }),

  evolve(state, event) {
    switch (event.type) {
      case 'AgencyRegistered':
        return { ...state, registered: true, ...event.data };
      case 'AgencyApprovedForWebIR':
        return { ...state, approvedForWebIR: true };
      case 'AgencyPersonnelDesignated': {
        const { personnelRole, personId, effectiveDate, changeNo, duty } = event.data;
        return {
          ...state,
          personnel: { ...state.personnel, [personnelRole]: { personId, effectiveDate, changeNo } },
          changeCount: changeNo,
          bliNoticesDue: duty ? [...state.bliNoticesDue, { changeNo, dueDate: duty.dueDate }] : state.bliNoticesDue,
        };
      }
      case 'BliNotifiedOfPersonnelChange':
        return { ...state, bliNoticesDue: state.bliNoticesDue.filter((due) => due.changeNo !== event.data.changeNo) };
      default:
        return state;
    }
  },

  decide(command, state, context) {
    if (command.type === 'RegisterAgency') {
      // 要點 二: each agency has one role; a second registration would fork its history.
      if (state.registered) {
        throw new DomainRuleError('AGENCY_ALREADY_REGISTERED', '要點 二', `agency ${command.agencyCode} is already registered`);
      }
      return [
        { type: 'AgencyRegistered', data: { agencyCode: command.agencyCode, name: command.name, role: command.role } },
      ];
    }
    if (!state.registered) throw new NotFoundError('agency', command.agencyCode);
    const { agencyCode } = command;

    switch (command.type) {
      case 'ApproveAgencyForWebIR':
        if (state.role !== 'DATA_REQUESTER') {
          refuse('AGENCY_APPROVAL_NOT_APPLICABLE', '要點 二(三)', 'only a data-requester agency is approved for WebIR use');
        }
        if (state.approvedForWebIR) refuse('AGENCY_ALREADY_APPROVED', '要點 二(三)', `agency ${agencyCode} is already approved`);
        return [{ type: 'AgencyApprovedForWebIR', data: { agencyCode, reference: optionalText(command.reference) } }];

      case 'DesignateAgencyPersonnel': {
        const personId = requireText(command.personId, 'personId');
        assertIsoDate(command.effectiveDate, 'effectiveDate');
        const previous = state.personnel[command.personnelRole];
        if (previous?.personId === personId) {
          refuse('PERSONNEL_UNCHANGED', '要點 七', `${command.personnelRole} is already held by this person`);
        }
        // The 要點 speaks of a change (異動): the first designation replaces nobody, so there is nothing to report.
        const reportable = state.role === 'CENTRAL_ADMIN' && previous !== undefined;
        return [
          {
            type: 'AgencyPersonnelDesignated',
            data: {
              agencyCode,
              changeNo: state.changeCount + 1,
              personnelRole: command.personnelRole,
              personId,
              previousPersonId: previous?.personId ?? null,
              effectiveDate: command.effectiveDate,
              ...(reportable && {
                duty: {
                  kind: 'NOTIFY_BLI_OF_PERSONNEL_CHANGE' as const,
                  rule: '要點 七',
                  dueDate: bliNoticeDueDate(command.effectiveDate, command.bliNoticeDays),
                },
              }),
            },
          },
        ];
      }

      case 'RecordBliNotifiedOfPersonnelChange': {
        const due = state.bliNoticesDue.find((d) => d.changeNo === command.changeNo);
        if (!due) refuse('NO_BLI_NOTICE_DUE', '要點 七', `no BLI notice is due for personnel change ${command.changeNo}`);
        // A late notice is still recorded: refusing it would leave BLI uninformed for good.
        const notifiedOn = taipeiDateOf(context.occurredAt);
        return [
          {
            type: 'BliNotifiedOfPersonnelChange',
            data: {
              agencyCode,
              changeNo: command.changeNo,
              notifiedOn,
              onTime: notifiedOn <= due.dueDate,
              reference: optionalText(command.reference),
            },
          },
        ];
      }

      case 'RecordDedicatedStaffTraining': {
        assertIsoDate(command.completedOn, 'completedOn');
        const course = requireText(command.course, 'course');
        if (state.personnel.DEDICATED_STAFF?.personId !== command.personId) {
          refuse('TRAINEE_NOT_DEDICATED_STAFF', '要點 十(二)', 'training is recorded for the agency\'s current dedicated staff');
        }
        return [
          { type: 'DedicatedStaffTrainingRecorded', data: { agencyCode, personId: command.personId, completedOn: command.completedOn, course } },
        ];
      }
    }
  },
};
