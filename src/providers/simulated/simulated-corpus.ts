/**
 * The small built-in corpus simulated answers are drawn from. Sentences are generic on purpose:
 * the simulator stands in for a model in routing, metering and load tests, not for its wisdom.
 */

export const ANSWER_SENTENCES: readonly string[] = Object.freeze([
  'The short answer is that it depends on the constraints you care about most.',
  'A good first step is to state the goal precisely and list what must not change.',
  'Most of the difficulty usually sits in the edge cases rather than in the main path.',
  'Breaking the problem into smaller steps makes each of them easier to check.',
  'It helps to compare at least two options before committing to one.',
  'Measuring before and after a change tells you more than reasoning about it in the abstract.',
  'Simple solutions are easier to test, explain and change later.',
  'The trade-off here is mostly between speed, cost and accuracy.',
  'If the inputs can be wrong, validate them early and say clearly what to fix.',
  'Writing down the assumptions makes it obvious which of them deserve a test.',
  'A small worked example often settles questions that a long description leaves open.',
  'Keep the parts that change often separate from the parts that rarely do.',
  'When in doubt, prefer the option that is easiest to undo.',
  'Caching the result is worthwhile only if the same question comes back often.',
  'Latency and throughput pull in different directions, so decide which one matters here.',
  'Clear names and small functions make the intent visible without extra comments.',
  'Failures should be reported with enough context to act on them.',
  'Retrying is safe only when the operation can be repeated without side effects.',
  'A budget that is checked before the work starts avoids surprises afterwards.',
  'Documenting the decision, and why it was made, saves time for the next person.',
  'The data you already have may answer the question without further work.',
  'Checking the result against a known case is the quickest way to build confidence.',
  'Some of these choices are easy to revisit later, so there is no need to over-plan.',
  'It is worth confirming the requirement before optimising for it.',
]);

export const BULLET_POINTS: readonly string[] = Object.freeze([
  'Define the goal and the constraints in one or two sentences.',
  'List the options and what each one costs.',
  'Pick the simplest option that meets the constraints.',
  'Test the main path and the most likely failure.',
  'Measure the result instead of guessing.',
  'Write down what was decided and why.',
  'Keep the change small enough to review in one sitting.',
  'Plan how to roll back if something goes wrong.',
  'Check the edge cases: empty input, very large input, invalid input.',
  'Automate the steps that will be repeated.',
  'Ask for a second opinion on the riskiest part.',
  'Revisit the decision once real usage data arrives.',
]);

export const CONCLUSION_SENTENCES: readonly string[] = Object.freeze([
  'In short, start simple, measure, and refine where the numbers point.',
  'Overall, the safest path is the one you can verify at every step.',
  'Taken together, these steps keep the risk low and the progress visible.',
  'That should give you a solid starting point; adjust it as you learn more.',
  'If any of these assumptions do not hold, the recommendation changes accordingly.',
  'The details will vary, but the structure of the approach stays the same.',
]);

export const REASONING_SENTENCES: readonly string[] = Object.freeze([
  'First I should make sure I understand what is being asked.',
  'The key constraint seems to be the one stated at the end of the message.',
  'Let me consider the simplest interpretation before the more elaborate ones.',
  'There are a few possible approaches, and they differ mainly in cost.',
  'I should check whether any detail in the request rules out an option.',
  'An example would make the answer easier to follow.',
  'I need to keep the answer focused and avoid unnecessary detail.',
  'It is worth double-checking the edge cases before concluding.',
  'The previous messages give some context that narrows this down.',
  'A structured answer will be easier to scan than a single paragraph.',
  'I think the main recommendation is clear now; the rest is supporting detail.',
  'Let me verify the reasoning once more from the start.',
  'Nothing in the request requires a tool for this part.',
  'The answer should state the trade-off explicitly.',
]);
