import type { OngoingRequest, OngoingResponse } from 'mockttp';
import type { ExchangeRecord } from './exchangeRecord.js';
import type { FlowRecorder } from './flowRecorder.js';
import { sinkResponse } from './sinkResponder.js';
import { StreamGate } from './streamGate.js';
import type { Header } from './types.js';

/** Spools the request body into the record; resolves true when it ended, false when the client went away first. */
function spoolRequestBody(request: OngoingRequest, record: ExchangeRecord): Promise<boolean> {
  return new Promise((resolve) => {
    if (request.readableEnded) {
      record.endRequest(false);
      resolve(true);
      return;
    }
    const gate = new StreamGate(request);
    request.on('data', (chunk: Buffer) => {
      if (!record.requestChunk(chunk)) gate.hold(record.requestWritable());
    });
    request.once('end', () => {
      record.endRequest(false);
      resolve(true);
    });
    request.once('close', () => {
      if (request.readableEnded) return;
      record.endRequest(true);
      resolve(false);
    });
  });
}

/**
 * Sink mode: answers every request itself, once its whole body is on disk (the client sees the same
 * ordering as with a real server), and writes the flow before the answer is sent, so a client that
 * has its answer knows the flow is on disk.
 */
export async function answerFromSink(request: OngoingRequest, response: OngoingResponse, recorder: FlowRecorder): Promise<void> {
  const record = recorder.exchange(request.id);
  if (!record) throw new Error(`phonehome capture: no record for request ${request.id} (the recording matcher did not run)`);
  if (!(await spoolRequestBody(request, record))) {
    await recorder.complete(record, 'aborted: the client closed the connection before sending the whole request');
    response.destroy();
    return;
  }
  const reply = sinkResponse(request);
  const headers = Object.entries(reply.headers).map(([n, v]) => [n, v] as Header);
  record.respond(reply.statusCode, '', headers);
  const body = reply.body === undefined ? undefined : Buffer.from(reply.body);
  if (body) record.responseChunk(body);
  await recorder.complete(record);
  if (response.destroyed) return; // the client left while the flow was written
  response.writeHead(reply.statusCode, reply.headers);
  response.end(body);
}
