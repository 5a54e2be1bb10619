import { givenFor } from '../core/given-when-then';
import { agencyDecider } from './agency.decider';

const given = givenFor(agencyDecider);

describe('agency decider', () => {
  it('要點 二: a new agency is registered with its code, name and role', () =>
    given([])
      .when({ type: 'RegisterAgency', agencyCode: 'A001', name: '社會局', role: 'DATA_REQUESTER' })
      .then([{ type: 'AgencyRegistered', data: { agencyCode: 'A001', name: '社會局', role: 'DATA_REQUESTER' } }]));

  it('要點 二: an agency cannot be registered twice', () =>
    given([{ type: 'AgencyRegistered', data: { agencyCode: 'A001', name: '社會局', role: 'DATA_REQUESTER' } }])
      .when({ type: 'RegisterAgency', agencyCode: 'A001', name: '社會局', role: 'DATA_REQUESTER' })
      .thenThrows('AGENCY_ALREADY_REGISTERED'));
});
