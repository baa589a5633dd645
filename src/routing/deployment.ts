import type { ResolvedModel } from '../config/resolve-config.js';

/**
 * One way to serve a request: a catalog model on its provider. Health, latency, in-flight counts and
 * rate-limit headroom are kept per deployment, so the same model served by two providers (Claude on
 * Anthropic and on Bedrock, a house model on two vLLM hosts) is two deployments with separate health.
 */
export interface Deployment {
  /** `<provider>/<model id>`: stable, unique, and what health state and metrics are keyed by. */
  readonly key: string;
  readonly model: ResolvedModel;
}

export function deploymentKey(model: ResolvedModel): string {
  return `${model.provider}/${model.id}`;
}

const deployments = new WeakMap<ResolvedModel, Deployment>();

/** The deployment of a catalog model; one frozen object per model, made on first use (a request needs it every time). */
export function toDeployment(model: ResolvedModel): Deployment {
  let deployment = deployments.get(model);
  if (!deployment) {
    deployment = Object.freeze({ key: deploymentKey(model), model });
    deployments.set(model, deployment);
  }
  return deployment;
}
