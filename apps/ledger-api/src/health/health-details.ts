import { Injectable } from '@nestjs/common';

/** A part of the detailed health view: JSON-ready, quick (it is bounded), free of personal data and keys. */
export type HealthSection = () => unknown;

const SECTION_TIMEOUT_MS = 2_000;

/**
 * Lets any module add its own part to GET /health/details without touching the health controller:
 * inject HealthDetails and call add('checkpoints', () => …) in the module's constructor or
 * onModuleInit. A section that fails or hangs shows as an error in its place; the view still answers.
 */
@Injectable()
export class HealthDetails {
  private readonly sections = new Map<string, HealthSection>();

  add(name: string, section: HealthSection): void {
    if (this.sections.has(name)) throw new Error(`health section "${name}" is already registered`);
    this.sections.set(name, section);
  }

  async collect(): Promise<Record<string, unknown>> {
    const entries = await Promise.all(
      [...this.sections].map(async ([name, section]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${SECTION_TIMEOUT_MS} ms`)), SECTION_TIMEOUT_MS);
          });
          return [name, await Promise.race([Promise.resolve().then(section), timeout])] as const;
        } catch (error) {
          return [name, { error: error instanceof Error ? error.message : String(error) }] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return Object.fromEntries(entries);
  }
}
