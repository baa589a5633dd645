import type { FastifyInstance } from 'fastify';
import type { FeedbackEstimator } from '../../routing/learned/feedback.js';
import { GatewayError, invalidRequest } from '../../spec/errors.js';
import type { Caller } from '../../tenancy/api-keys.js';

/**
 * `POST /v1/feedback {request_id, score}`: a team key tells the router how good one of its team's
 * routed answers was (score 0–1). The team's online estimate for that model and task family moves
 * (within the route's declared bound) and later decisions for the team show it in their receipts.
 * 201 with what was recorded; 404 for a request that is not the team's (or not routed by a learned
 * strategy); 409 when feedback was already given.
 */
export function registerFeedbackRoute(app: FastifyInstance, feedback: FeedbackEstimator): void {
  app.post('/v1/feedback', { config: { dialect: 'openai-chat' } }, async (request, reply) => {
    const caller = request.caller as Caller;
    if (!caller.teamId) {
      throw new GatewayError({ code: 'SWY_ERR_TEAM_KEY_REQUIRED', kind: 'permission', origin: 'client', message: 'POST /v1/feedback records feedback for a team: call it with a team key.' });
    }
    const body = request.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The body must be a JSON object: {"request_id": "req_…", "score": 0.8}.', undefined, 'SWY_ERR_INVALID_BODY');
    const { request_id: requestId, score, ...rest } = body;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw invalidRequest(`${unknown[0]}: unknown field; send request_id and score.`, unknown[0]);
    if (typeof requestId !== 'string' || requestId.trim() === '') throw invalidRequest('request_id: the x-switchyard-request-id of the answer (a string) is required.', 'request_id');
    if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) throw invalidRequest('score: a number from 0 (bad) to 1 (good) is required.', 'score');
    const result = await feedback.record(caller.teamId, requestId, score);
    if (!result.ok) {
      throw new GatewayError({
        code: result.reason === 'duplicate' ? 'SWY_ERR_FEEDBACK_EXISTS' : 'SWY_ERR_REQUEST_NOT_FOUND',
        kind: result.reason === 'duplicate' ? 'invalid_request' : 'not_found',
        origin: 'client',
        param: 'request_id',
        ...(result.reason === 'duplicate' ? { status: 409 } : {}),
        message: result.message,
      });
    }
    return reply.code(201).send({
      object: 'feedback',
      request_id: requestId,
      score,
      model: result.model,
      task: result.task,
      predicted: result.predicted,
      online_shift: Math.round(result.shift * 10_000) / 10_000,
      feedback_n: result.n,
    });
  });
}
