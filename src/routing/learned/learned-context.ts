import type { ResolvedModel } from '../../config/resolve-config.js';
import type { LearnedContext } from '../strategies/strategy.js';
import type { PromptAnalyzer, PromptProfile, QualityPredictor, QualityProfile } from './learned-types.js';

/** A team's online corrections from feedback (routing/learned/feedback.ts). */
export interface OnlineCorrection {
  shift(teamId: string, model: string, task: string, maxShift?: number): { shift: number; n: number };
}

/** What the gateway runs the learned strategies with: the trained analyzer, the predictor and the model profiles. */
export interface LearnedRouter {
  readonly analyzer: PromptAnalyzer;
  readonly predictor: QualityPredictor;
  /** Configured profile, else the shipped one for a well-known model, else a neutral default. */
  profileFor(model: ResolvedModel): QualityProfile;
}

/** Characters of the prompt the analyzer is given at most: the start and the end of the last user message. */
export const PROMPT_HEAD_CHARS = 4_000;
export const PROMPT_TAIL_CHARS = 2_000;

/**
 * The learned context of one request: the prompt is analyzed once, on first use (only routes with a
 * learned strategy pay for it), and predictions are memoized per model. One object per request (it is
 * built for every request, so no closures or spread copies).
 */
export function learnedContext(
  router: LearnedRouter,
  body: Record<string, unknown>,
  options: { tools: boolean; requestedQuality?: number; teamId?: string; feedback?: OnlineCorrection },
): LearnedContext {
  return new RequestLearnedContext(router, body, options.tools, options.requestedQuality, options.teamId, options.feedback);
}

class RequestLearnedContext implements LearnedContext {
  readonly version: string;
  private analyzed: PromptProfile | undefined;
  /** Created on first use: most routes never ask. */
  private predictions: Map<string, number> | undefined;

  constructor(
    private readonly router: LearnedRouter,
    private readonly body: Record<string, unknown>,
    private readonly tools: boolean,
    readonly requestedQuality: number | undefined,
    private readonly teamId: string | undefined,
    private readonly feedback: OnlineCorrection | undefined,
  ) {
    this.version = router.analyzer.version;
  }

  prompt(): PromptProfile {
    return (this.analyzed ??= this.router.analyzer.analyze(promptText(this.body), { tools: this.tools }));
  }

  profile(model: ResolvedModel): QualityProfile {
    return this.router.profileFor(model);
  }

  predict(model: ResolvedModel, maxShift?: number): number {
    this.predictions ??= new Map();
    let value = this.predictions.get(model.id);
    if (value === undefined) {
      value = this.router.predictor.predict(this.router.profileFor(model), this.prompt());
      this.predictions.set(model.id, value);
    }
    const { shift } = this.online(model, maxShift);
    return shift === 0 ? value : Math.min(1, Math.max(0, value + shift));
  }

  online(model: ResolvedModel, maxShift?: number): { shift: number; n: number } {
    return this.feedback && this.teamId ? this.feedback.shift(this.teamId, model.id, this.prompt().task, maxShift) : { shift: 0, n: 0 };
  }
}

/**
 * The text a router looks at: the last user message (OpenAI or Anthropic shape: a string, or text
 * parts), bounded to its first PROMPT_HEAD_CHARS and last PROMPT_TAIL_CHARS characters so a huge
 * prompt costs the same as a long one. Falls back to the system prompt when there is no user text.
 */
export function promptText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as Record<string, unknown> | null;
    if (!message || typeof message !== 'object' || message.role !== 'user') continue;
    const text = textOf(message.content);
    if (text) return bound(text);
  }
  const system = textOf(body.system) || textOf((messages.find((m) => (m as Record<string, unknown> | null)?.role === 'system') as Record<string, unknown> | undefined)?.content);
  return bound(system);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  // At most the first 64 parts: a message of a million tiny parts stays cheap.
  for (let i = 0; i < content.length && i < 64; i++) {
    const part = content[i] as Record<string, unknown> | null;
    if (part && typeof part === 'object' && part.type === 'text' && typeof part.text === 'string') {
      out += out ? `\n${part.text}` : part.text;
      if (out.length > PROMPT_HEAD_CHARS + PROMPT_TAIL_CHARS) break;
    }
  }
  return out;
}

function bound(text: string): string {
  if (text.length <= PROMPT_HEAD_CHARS + PROMPT_TAIL_CHARS) return text;
  return `${text.slice(0, PROMPT_HEAD_CHARS)}\n…\n${text.slice(text.length - PROMPT_TAIL_CHARS)}`;
}

/** `x-switchyard-quality`: a number 0–1, or undefined when absent or not a number in range. */
export function parseQualityHeader(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
}
