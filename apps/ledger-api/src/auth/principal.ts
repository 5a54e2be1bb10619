export const ROLES = ['integrator', 'auditor', 'ethics', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The caller behind an API key; its id is the `actor` of every event it causes. */
export interface Principal {
  id: string;
  roles: Role[];
  /** Agencies an integrator may send commands for. */
  agencies: string[];
}

export const SYSTEM_ACTOR = 'system:ledger';
