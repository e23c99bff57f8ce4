/** GET /metrics: Prometheus text format, for an ADMIN key (Prometheus sends it as a bearer token). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from '../auth/apiKeys';
import { Role } from '../vocabulary/roles';
import type { Hub } from '../hub';
import { isHubError } from '../shared/errors';
import { refusedAsRateLimited } from './rateLimited';
import { sendError } from './respond';

export function prometheusHandler(hub: Hub) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const principal = await authenticate(hub.stores.apiKeys, request.headers.authorization);
      if (await refusedAsRateLimited(hub, principal.keyId, response)) return;
      if (principal.role !== Role.ADMIN) return sendError(response, 403, 'FORBIDDEN', 'Metrics need an ADMIN key');
    } catch (error) {
      if (isHubError(error)) return sendError(response, 401, error.code, error.message);
      throw error;
    }
    const body = await hub.metrics.registry.metrics();
    response.writeHead(200, { 'content-type': hub.metrics.registry.contentType });
    response.end(body);
  };
}
