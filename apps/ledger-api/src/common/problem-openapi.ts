import type { OpenAPIObject } from '@nestjs/swagger';

type Operation = { responses?: Record<string, unknown> };

/**
 * Every operation answers its errors as RFC 9457 problem details (ProblemFilter): routes that do
 * not document their 4xx/5xx answers one by one get `4XX` and `5XX` entries pointing at ProblemView,
 * so no route's error format is left undescribed.
 */
export function describeProblemResponses(document: OpenAPIObject): OpenAPIObject {
  const schema = document.components?.schemas?.ProblemView ? { $ref: '#/components/schemas/ProblemView' } : { type: 'object' };
  const content = { 'application/problem+json': { schema } };
  for (const item of Object.values(document.paths ?? {})) {
    for (const op of Object.values(item as Record<string, Operation>)) {
      if (!op || typeof op !== 'object' || !('responses' in op)) continue;
      const responses = (op.responses ??= {});
      if (!Object.keys(responses).some((s) => s.startsWith('4'))) responses['4XX'] = { description: 'Refused: problem details (RFC 9457) with code, rule and fields', content };
      else responses['4XX'] ??= { description: 'Any other refusal, as problem details (RFC 9457)', content };
      responses['5XX'] ??= { description: 'Store unavailable (503) or internal error, as problem details (RFC 9457); never a stack trace', content };
    }
  }
  return document;
}
