import type { ResolvedModel } from '../config/resolve-config.js';
import type { ChatRequest } from '../spec/chat-request.js';
import { GatewayError } from '../spec/errors.js';

/**
 * Rejects requests the chosen model cannot serve, before any upstream call: images for a text-only
 * model, remote image URLs for an upstream that does not fetch them, tools for a model without tools.
 */
export function checkCapabilities(request: ChatRequest, model: ResolvedModel): void {
  let images = 0;
  let remoteImages = 0;
  for (const message of request.messages) {
    for (const part of message.content) {
      const parts = part.type === 'tool-result' ? part.content : [part];
      for (const inner of parts) {
        if (inner.type !== 'image') continue;
        images++;
        if (inner.source.kind === 'url') remoteImages++;
      }
    }
  }
  if (images > 0 && !model.traits.images) {
    throw unsupported('SWY_ERR_MODEL_NO_IMAGES', 'messages', `The model '${model.id}' does not accept images; choose a model with image input.`);
  }
  if (remoteImages > 0 && !model.traits.remoteImages) {
    throw unsupported(
      'SWY_ERR_REMOTE_IMAGE_UNSUPPORTED',
      'messages',
      `The upstream of model '${model.id}' (${model.providerType}) does not fetch image URLs; send the image inline as a base64 data URL (data:image/png;base64,...).`,
    );
  }
  if (request.tools && request.tools.length > 0 && !model.traits.tools) {
    throw unsupported('SWY_ERR_MODEL_NO_TOOLS', 'tools', `The model '${model.id}' does not support tools.`);
  }
}

function unsupported(code: string, param: string, message: string): GatewayError {
  return new GatewayError({ code, kind: 'invalid_request', origin: 'client', param, message });
}
