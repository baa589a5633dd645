import { describe, expect, it } from 'vitest';
import { looksLikeCodeCompletion, RULE_WEIGHT } from '../../src/routing/learned/analyzer.js';
import { extractFeatures, promptWindow, WINDOW_HEAD, WINDOW_TAIL } from '../../src/routing/learned/features.js';
import { TASK_FAMILIES } from '../../src/routing/learned/learned-types.js';
import { learnedRouterFromArtifact, loadLearnedRouter } from '../../src/routing/learned/load.js';
import weights from '../../src/routing/learned/router-weights.json' with { type: 'json' };
import type { RouterArtifact } from '../../src/routing/learned/artifact.js';

const analyzer = loadLearnedRouter().analyzer;

describe('learned analyzer', () => {
  it('is deterministic: the same text gives the same profile, from the same or a freshly decoded artifact', () => {
    const text = 'A train leaves at 3pm going 60 mph; another at 4pm going 80 mph. When does the second catch up?';
    const a = analyzer.analyze(text);
    expect(analyzer.analyze(text)).toEqual(a);
    const fresh = learnedRouterFromArtifact(weights as unknown as RouterArtifact).analyzer;
    expect(fresh.analyze(text)).toEqual(a);
    expect(fresh.version).toBe(analyzer.version);
  });

  it('returns a probability per family that sums to 1, the likeliest family, a difficulty in [0, 1] and a cluster in range', () => {
    const p = analyzer.analyze('What is the capital of Australia?');
    expect(Object.keys(p.taskProbs).sort()).toEqual([...TASK_FAMILIES].sort());
    expect(Object.values(p.taskProbs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    for (const f of TASK_FAMILIES) expect(p.taskProbs[p.task]).toBeGreaterThanOrEqual(p.taskProbs[f]);
    expect(p.difficulty).toBeGreaterThanOrEqual(0);
    expect(p.difficulty).toBeLessThanOrEqual(1);
    expect(Number.isInteger(p.cluster)).toBe(true);
    expect(p.cluster).toBeGreaterThanOrEqual(0);
    expect(p.cluster).toBeLessThan(16);
  });

  it('reads only a bounded prefix and suffix: 5 MB prompts that differ only in the middle get identical profiles', () => {
    const head = 'Solve the following problem carefully. ';
    const tail = ' Given all of the above, what is 17 * 23? Answer with a number.';
    const middleA = 'lorem ipsum dolor sit amet '.repeat(200_000).slice(0, 5_000_000);
    const middleB = 'def f(x):\n    return {x};\n'.repeat(200_000).slice(0, 5_000_000);
    const pad = 'The quick brown fox jumps over the lazy dog. '.repeat(100); // 4,500 characters: the window ends inside it
    const a = head + pad + middleA + pad + tail;
    const b = head + pad + middleB + pad + tail;
    expect(a.length).toBe(b.length);
    expect(a).not.toBe(b);
    expect(promptWindow(a).length).toBe(WINDOW_HEAD + WINDOW_TAIL + 1);
    expect(extractFeatures(a)).toEqual(extractFeatures(b));
    expect(analyzer.analyze(a)).toEqual(analyzer.analyze(b));
    // …while a change inside the window does change the representation
    const c = head.replace('Solve', 'Write') + pad + middleA + pad + tail;
    expect(extractFeatures(c)).not.toEqual(extractFeatures(a));
  });

  it('classifies benchmark-like prompts into their families', () => {
    expect(analyzer.analyze('Write a function to find the intersection of two arrays.').task).toBe('code-generation');
    expect(
      analyzer.analyze('Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?').task,
    ).toBe('reasoning');
  });

  it('rule: tools present → planning', () => {
    const p = analyzer.analyze('Book me a table for two tomorrow at 7pm and add it to my calendar.', { tools: true });
    expect(p.task).toBe('planning');
    expect(p.taskProbs.planning).toBeGreaterThanOrEqual(RULE_WEIGHT);
    expect(analyzer.analyze('Book me a table for two tomorrow at 7pm and add it to my calendar.').task).not.toBe('planning');
  });

  it('rule: fill-in-the-middle, "complete this function" and prompts ending inside code → code-completion', () => {
    const cases = [
      '<fim_prefix>def add(a, b):\n    <fim_suffix>\n<fim_middle>',
      '<|fim_begin|>const x = <|fim_hole|>;<|fim_end|>',
      'Complete this function so that it returns the n-th Fibonacci number:\ndef fib(n):',
      'from typing import List\n\n\ndef has_close_elements(numbers: List[float], threshold: float) -> bool:\n    """ Check if any two numbers are closer than threshold.\n    """\n',
      'function sum(xs) {\n  let total = 0;\n  for (const x of xs) {',
      'Here is my code:\n```python\nimport os\n\ndef walk(root):\n',
    ];
    for (const text of cases) {
      expect(looksLikeCodeCompletion(text), text).toBe(true);
      const p = analyzer.analyze(text);
      expect(p.task, text).toBe('code-completion');
      expect(p.taskProbs['code-completion']).toBeGreaterThanOrEqual(RULE_WEIGHT);
    }
  });

  it('the code-completion rule leaves descriptions, questions and closed code blocks alone', () => {
    const cases = [
      'Write a function to find the intersection of two arrays.',
      'What is the boiling point of water at sea level?',
      'Why does this fail?\n```js\nconst x = 1;\nx = 2;\n```\nI get a TypeError.',
      'def f(x):\n    return x + 1\n\nWhat does f(2) return?',
    ];
    for (const text of cases) expect(looksLikeCodeCompletion(text), text).toBe(false);
  });

  it('tools win over the completion rule', () => {
    expect(analyzer.analyze('<fim_prefix>def f():<fim_suffix><fim_middle>', { tools: true }).task).toBe('planning');
  });
});
