import { ANSWER_SENTENCES, BULLET_POINTS, CONCLUSION_SENTENCES } from './simulated-corpus.js';
import type { SeededRandom } from './simulated-random.js';
import { topicSnippet, type RequestFacts, type ToolResultFact } from './simulated-request-facts.js';
import type { SimulatedTier } from './simulated-tier.js';
import { sampleFromSchema } from './schema-sample.js';

/** The shape the final answer must take (already reduced to what the model supports). */
export type AnswerFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; schema: Record<string, unknown> };

export interface AnswerInput {
  /** Upstream model name, shown in the answer. */
  model: string;
  tier: SimulatedTier;
  random: SeededRandom;
  facts: RequestFacts;
  format: AnswerFormat;
}

/** Longest tool-result excerpt quoted back in an answer. */
export const MAX_QUOTE_LENGTH = 400;

/**
 * Composes the answer text. Plain answers start with `[simulated <model>]`; JSON answers are valid
 * JSON (a json_schema answer is a sample of the schema, a json_object answer `{model, answer}`).
 */
export function composeAnswer(input: AnswerInput): string {
  if (input.format.type === 'json_schema') return JSON.stringify(sampleFromSchema(input.format.schema));
  const prose = composeProse(input);
  if (input.format.type === 'json_object') return JSON.stringify({ model: input.model, answer: prose });
  return `[simulated ${input.model}] ${prose}`;
}

/** The sentence a tool-calling turn starts with on tiers that announce their tool calls. */
export function composeToolPreface(model: string, toolNames: readonly string[]): string {
  const names = toolNames.length <= 1 ? toolNames.join('') : `${toolNames.slice(0, -1).join(', ')} and ${toolNames[toolNames.length - 1]}`;
  const how = toolNames.length > 1 ? ' in parallel' : '';
  return `[simulated ${model}] I'll call ${names}${how} to answer this.`;
}

function composeProse({ tier, random, facts }: AnswerInput): string {
  const opening: string[] = [];
  if (facts.imageCount > 0) opening.push(`[received ${facts.imageCount} image(s)]`);
  if (facts.toolResults.length > 0) opening.push(...facts.toolResults.map(quoteToolResult));
  else opening.push(topicSentence(random, topicSnippet(facts.lastUserText)));
  const head = opening.join(' ');
  const count = random.integer(tier.sentences[0], tier.sentences[1]);
  if (tier.structured) return `${head}\n\n${structuredBody(random, count)}`;
  const sentences = random.sample(ANSWER_SENTENCES, count);
  if (tier.paragraphs <= 1 || sentences.length < 2) return [head, ...sentences].join(' ');
  const split = Math.ceil(sentences.length / 2);
  return `${[head, ...sentences.slice(0, split)].join(' ')}\n\n${sentences.slice(split).join(' ')}`;
}

function topicSentence(random: SeededRandom, snippet: string): string {
  if (snippet === '') return 'Here is my answer.';
  return random.pick([`You asked about "${snippet}".`, `Here is my take on "${snippet}".`, `On the question "${snippet}":`]);
}

function quoteToolResult(result: ToolResultFact): string {
  const name = result.toolName ?? 'the tool';
  const text = result.text.length > MAX_QUOTE_LENGTH ? `${result.text.slice(0, MAX_QUOTE_LENGTH - 1)}…` : result.text;
  return result.isError ? `${name} reported an error: "${text}".` : `According to ${name}: "${text}".`;
}

/** Summary, bullet list, conclusion: the "better" answer of the large tier. */
function structuredBody(random: SeededRandom, count: number): string {
  const bulletCount = Math.max(3, count - 4);
  const sentences = random.sample(ANSWER_SENTENCES, count - bulletCount);
  const summary = sentences.slice(0, 2).join(' ');
  const bullets = random.sample(BULLET_POINTS, bulletCount).map((point, i) => `${i + 1}. ${point}`).join('\n');
  const closing = [...sentences.slice(2), random.pick(CONCLUSION_SENTENCES)].join(' ');
  return `**Summary:** ${summary}\n\n**Steps:**\n${bullets}\n\n${closing}`;
}
