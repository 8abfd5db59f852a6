import { Duplex } from 'node:stream';
import { A_CLSE, A_OKAY, A_WRTE } from './packet.js';

/** What a stream needs of its connection: send a packet, know the payload limit, forget the stream. */
export interface StreamLink {
  send(command: number, arg0: number, arg1: number, data?: Buffer): void;
  maxPayload(): number;
  release(localId: number): void;
}

/**
 * One ADB stream (an OPENed service) as a Node Duplex. Writes are split into WRTEs of at most the
 * negotiated max payload, and each WRTE waits for the peer's OKAY before the next (protocol.txt,
 * "WRITE"). Incoming WRTEs are OKAYed only once the reader has room, so a slow consumer slows the
 * host instead of growing our buffers.
 */
export class AdbdStream extends Duplex {
  readonly localId: number;
  remoteId: number;
  readonly service: string;
  private readonly link: StreamLink;
  private okayWaiter: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private awaitingOkay = false;
  private ackOwed = false;
  private peerClosed = false;
  private closeSent = false;

  constructor(link: StreamLink, localId: number, remoteId: number, service: string) {
    super({ allowHalfOpen: false });
    this.link = link;
    this.localId = localId;
    this.remoteId = remoteId;
    this.service = service;
  }

  /** The peer's OKAY for our last WRTE. */
  handleOkay(): void {
    this.awaitingOkay = false;
    const waiter = this.okayWaiter;
    this.okayWaiter = null;
    waiter?.resolve();
  }

  handleWrite(data: Buffer): void {
    if (this.peerClosed || this.destroyed) return;
    if (this.push(data)) this.link.send(A_OKAY, this.localId, this.remoteId);
    else this.ackOwed = true;
  }

  /** The peer closed the stream: answer with our CLSE and end both sides. */
  handleClose(): void {
    if (this.peerClosed) return;
    this.peerClosed = true;
    const waiter = this.okayWaiter;
    this.okayWaiter = null;
    waiter?.reject(new Error('stream closed by peer'));
    this.sendClose();
    this.link.release(this.localId);
    // End, not destroy: a reader still gets the data that arrived before the CLSE.
    this.push(null);
    if (!this.writableEnded) this.end();
  }

  get closedByPeer(): boolean {
    return this.peerClosed;
  }

  override _read(): void {
    if (this.ackOwed && !this.peerClosed) {
      this.ackOwed = false;
      this.link.send(A_OKAY, this.localId, this.remoteId);
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.sendChunks(chunk).then(() => callback(), (error: Error) => callback(error));
  }

  override _final(callback: (error?: Error | null) => void): void {
    // Let the last WRTE be acknowledged before closing, so the host has read everything.
    this.waitForOkay().catch(() => undefined).finally(() => {
      this.sendClose();
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.sendClose();
    const waiter = this.okayWaiter;
    this.okayWaiter = null;
    waiter?.reject(new Error('stream destroyed'));
    this.link.release(this.localId);
    callback(error);
  }

  private sendClose(): void {
    if (this.closeSent) return;
    this.closeSent = true;
    this.link.send(A_CLSE, this.localId, this.remoteId);
  }

  private waitForOkay(): Promise<void> {
    if (!this.awaitingOkay) return Promise.resolve();
    if (this.peerClosed) return Promise.reject(new Error('stream closed by peer'));
    return new Promise((resolve, reject) => {
      this.okayWaiter = { resolve, reject };
    });
  }

  private async sendChunks(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      await this.waitForOkay();
      if (this.peerClosed || this.closeSent) throw new Error('stream closed');
      const piece = chunk.subarray(offset, offset + this.link.maxPayload());
      offset += piece.length;
      this.awaitingOkay = true;
      this.link.send(A_WRTE, this.localId, this.remoteId, piece);
    }
  }
}
