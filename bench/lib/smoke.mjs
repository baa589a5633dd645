/**
 * Before measuring, one JSON and one streamed request per target: a target whose JSON path fails is
 * left out (with the reason); a target whose streaming fails is left out of the streaming phases
 * (with the status and the start of its body as evidence). Nothing is assumed broken without a check.
 */
import { chatRequest } from './targets.mjs';

export async function smokeCheck(ctx) {
  const evidence = {};
  const unavailable = {};
  const streamUnavailable = {};
  for (const [name, target] of Object.entries(ctx.targets)) {
    const json = await ctx.worker.run('probe', chatRequest(target)).catch((error) => ({ status: 0, body: String(error.message) }));
    const stream = await ctx.worker.run('probe', chatRequest(target, { stream: true })).catch((error) => ({ status: 0, body: String(error.message) }));
    evidence[name] = {
      json: { status: json.status, contentType: json.contentType ?? null, body: json.body?.slice(0, 300) },
      stream: { status: stream.status, contentType: stream.contentType ?? null, endsWithDone: /data: \[DONE\]\s*$/.test(stream.tail ?? ''), body: stream.body?.slice(0, 300) },
    };
    const jsonOk = json.status === 200 && /"choices"/.test(json.body ?? '');
    if (!jsonOk) unavailable[name] = `JSON request failed: HTTP ${json.status} ${String(json.body).slice(0, 160)}`;
    const streamOk = stream.status === 200 && evidence[name].stream.endsWithDone;
    if (!streamOk) {
      streamUnavailable[name] = `streaming fails: HTTP ${stream.status}`;
      // The target's own account of the failure, if it logged one.
      const logged = target.stderrTail?.().split('\n').filter((line) => line.trim() !== '').slice(0, 3).join(' | ');
      if (logged) evidence[name].stream.targetStderr = logged.slice(0, 400);
      target.streams = false;
    }
    ctx.log(`smoke ${name}: JSON ${json.status}${jsonOk ? ' ok' : ' FAILED'}, stream ${stream.status}${streamOk ? ' ok' : ' FAILED'}`);
  }
  return { evidence, unavailable, streamUnavailable };
}
