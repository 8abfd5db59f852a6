import * as mockttp from 'mockttp';
import type { OngoingRequest, OngoingResponse } from 'mockttp';

/** Answers one request: reads its body, writes the response, resolves when the response is ended or destroyed. */
export type ExchangeHandler = (request: OngoingRequest, response: OngoingResponse) => Promise<void>;

/**
 * A mockttp request step that hands the live request and response streams to `handler`.
 *
 * mockttp's public steps either buffer the request body before answering (callback steps) or do
 * the forwarding themselves (passthrough); neither lets the sidecar relay and record a stream at
 * once. mockttp 4.6.5 builds each rule's step by copying the definition's own properties onto its
 * implementation class, so an own `handle` on a callback-step definition is the method it calls,
 * with (request, response) as its built-in steps get them. Should a mockttp version stop doing so,
 * it calls the placeholder callback instead, which fails every request with a message saying which
 * mockttp to pin (and every capture test fails).
 */
export function exchangeStep(name: string, handler: ExchangeHandler): mockttp.RequestStep {
  const step = new mockttp.requestSteps.CallbackStep(() => {
    throw new Error(`phonehome capture: mockttp called the callback of the '${name}' step instead of its handler; this mockttp version is not supported (pin mockttp 4.6.5)`);
  });
  Object.assign(step, {
    handle: (request: OngoingRequest, response: OngoingResponse) => handler(request, response),
    explain: () => `relay through phonehome's ${name}`,
  });
  return step;
}
