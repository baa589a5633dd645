import { cheapestStrategy } from './cheapest.js';
import { fastestStrategy } from './fastest.js';
import { headroomStrategy } from './headroom.js';
import { leastBusyStrategy } from './least-busy.js';
import { priorityStrategy } from './priority.js';
import type { Strategy, StrategyName } from './strategy.js';
import { weightedStrategy } from './weighted.js';
import { qualityCostStrategy } from './quality-cost.js';
import { taskTierStrategy } from './task-tier.js';

export type { Candidate, DecisionReceipt, LearnedContext, Ranking, RankingContext, Strategy, StrategyName } from './strategy.js';
export { STRATEGY_NAMES } from './strategy.js';

const STRATEGIES: Readonly<Record<StrategyName, Strategy>> = Object.freeze({
  priority: priorityStrategy,
  weighted: weightedStrategy,
  cheapest: cheapestStrategy,
  fastest: fastestStrategy,
  'least-busy': leastBusyStrategy,
  headroom: headroomStrategy,
  'task-tier': taskTierStrategy,
  'quality-cost': qualityCostStrategy,
});

/** The strategy for a route's `strategy` name (all strategies are stateless and shared). */
export function strategyFor(name: StrategyName): Strategy {
  if (!Object.hasOwn(STRATEGIES, name)) throw new RangeError(`unknown routing strategy "${String(name)}"`);
  return STRATEGIES[name];
}
