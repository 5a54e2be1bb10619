/**
 * Errors of the personal-data library. Their messages and fields carry field names, rule names
 * and pseudonymous person ids only: they end up in logs, HTTP problem responses and audit
 * packages, so they must never repeat an identifier, a name, a ciphertext or key material.
 */
export type PersonalDataField = 'nationalId' | 'name' | 'myEGovAccountId';

export abstract class PersonalDataError extends Error {
  abstract readonly code: string;
}

/** A national ID / ARC number or a name failed validation; `rule` says which check, never the value. */
export class InvalidPersonalIdentifierError extends PersonalDataError {
  readonly code = 'INVALID_PERSONAL_IDENTIFIER';
  constructor(
    readonly field: PersonalDataField,
    readonly rule: string,
  ) {
    super(`${field} is invalid (rule: ${rule})`);
    this.name = 'InvalidPersonalIdentifierError';
  }
}

/**
 * A person id handed to the vault or the protector is unusable. The offending value is left
 * out because a common mistake is passing the national ID itself as the person id.
 */
export class InvalidPersonIdError extends PersonalDataError {
  readonly code = 'INVALID_PERSON_ID';
  constructor(readonly rule: string) {
    super(`personId is invalid (rule: ${rule})`);
    this.name = 'InvalidPersonIdError';
  }
}

/** The person's data key was destroyed (crypto-shredding): the plaintext is gone for good. */
export class PersonalDataErasedError extends PersonalDataError {
  readonly code = 'PERSONAL_DATA_ERASED';
  constructor(readonly personId: string) {
    super(`personal data of person ${personId} was erased: its data key has been destroyed`);
    this.name = 'PersonalDataErasedError';
  }
}

/**
 * No data key exists and none was ever destroyed: the ciphertext was made elsewhere or the key
 * store is not the one that made it. Kept apart from erasure so that an operator does not
 * mistake a misconfigured key store for a lawful deletion.
 */
export class DataKeyNotFoundError extends PersonalDataError {
  readonly code = 'DATA_KEY_NOT_FOUND';
  constructor(readonly personId: string) {
    super(`no data key exists for person ${personId}`);
    this.name = 'DataKeyNotFoundError';
  }
}

/** A ciphertext is malformed or fails authentication (tampered, or moved to another person or field). */
export class PersonalDataIntegrityError extends PersonalDataError {
  readonly code = 'PERSONAL_DATA_INTEGRITY';
  constructor(
    readonly personId: string,
    readonly field: PersonalDataField,
    readonly rule: 'malformed' | 'authentication-failed',
  ) {
    super(`${field} ciphertext of person ${personId} is unusable (rule: ${rule})`);
    this.name = 'PersonalDataIntegrityError';
  }
}

/** A stored data key cannot be unwrapped: wrong master key, or the stored record was altered. */
export class DataKeyUnwrapError extends PersonalDataError {
  readonly code = 'DATA_KEY_UNWRAP_FAILED';
  constructor(readonly personId: string) {
    super(`data key of person ${personId} cannot be unwrapped with the configured master key`);
    this.name = 'DataKeyUnwrapError';
  }
}

/**
 * A reveal that failed because what is stored is damaged or its key is gone without an erasure
 * record (not an erasure, not bad input): readers show the record as unreadable and go on.
 */
export function isUnreadablePersonalData(error: unknown): error is PersonalDataIntegrityError | DataKeyNotFoundError | DataKeyUnwrapError {
  return error instanceof PersonalDataIntegrityError || error instanceof DataKeyNotFoundError || error instanceof DataKeyUnwrapError;
}

/** Key material from configuration is missing or unfit; names the setting, never its value. */
export class InvalidKeyMaterialError extends PersonalDataError {
  readonly code = 'INVALID_KEY_MATERIAL';
  constructor(
    readonly setting: string,
    readonly rule: string,
  ) {
    super(`${setting} is unusable (rule: ${rule})`);
    this.name = 'InvalidKeyMaterialError';
  }
}

/** Arguments of a key destruction (reason, actor, time) are unusable. */
export class InvalidDestructionRequestError extends PersonalDataError {
  readonly code = 'INVALID_DESTRUCTION_REQUEST';
  constructor(readonly rule: string) {
    super(`key destruction request is invalid (rule: ${rule})`);
    this.name = 'InvalidDestructionRequestError';
  }
}
