/**
 * Whether the client asked for the usage chunk (`stream_options.include_usage: true`), read from the
 * raw body: the gateway honours stream_options itself, so the decoder does not carry it to upstreams.
 */
export function openAIIncludeUsage(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const options = (body as Record<string, unknown>).stream_options;
  return typeof options === 'object' && options !== null && (options as Record<string, unknown>).include_usage === true;
}
