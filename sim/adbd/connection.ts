import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { AdbdStream, type StreamLink } from './adbdStream.js';
import { newAuthToken, verifyAuthSignature } from './adbAuth.js';
import {
  A_AUTH, A_CLSE, A_CNXN, A_OKAY, A_OPEN, A_VERSION, A_WRTE, AUTH_RSAPUBLICKEY, AUTH_SIGNATURE, AUTH_TOKEN,
  MAX_PAYLOAD, MAX_PAYLOAD_V1, PacketDecoder, commandName, encodePacket, type AdbPacket,
} from './packet.js';

/** Runs an opened service on its stream. */
export type ServiceHandler = (stream: AdbdStream) => void;

/** Resolves a service string (`shell:ls`, `sync:`, `tcp:6790` …) to a handler, or null to refuse it (CLSE). */
export type ServiceOpener = (service: string, connection: AdbdConnection) => Promise<ServiceHandler | null>;

export interface AuthPolicy {
  required(): boolean;
  /** Authorized public keys, one adb_keys line each. */
  keys(): string[];
}

export interface ConnectionOptions {
  banner: () => string;
  auth: AuthPolicy;
  openService: ServiceOpener;
}

export type ConnectionState = 'connecting' | 'unauthorized' | 'online' | 'closed';

export interface ConnectionEvents {
  online: [];
  /** The host offered a public key no one has allowed yet (the "Allow USB debugging?" dialog). */
  authRequest: [publicKey: string];
  close: [];
  protocolError: [message: string];
}

/**
 * One host connection to adbd: the CNXN (and optional AUTH) handshake, then a multiplex of
 * streams. Host-opened streams go to the service opener; device-opened ones (adb reverse) go
 * through `openToHost`.
 */
export class AdbdConnection extends EventEmitter<ConnectionEvents> implements StreamLink {
  private readonly socket: Socket;
  private readonly options: ConnectionOptions;
  private readonly decoder = new PacketDecoder(MAX_PAYLOAD);
  private readonly streams = new Map<number, AdbdStream>();
  private readonly pendingOpens = new Map<number, { resolve: (s: AdbdStream) => void; reject: (e: Error) => void; service: string }>();
  private nextLocalId = 1;
  private payloadLimit = MAX_PAYLOAD_V1;
  private token: Buffer | null = null;
  private offeredKey: string | null = null;
  state: ConnectionState = 'connecting';

  constructor(socket: Socket, options: ConnectionOptions) {
    super();
    this.socket = socket;
    this.options = options;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get remoteAddress(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  maxPayload(): number {
    return this.payloadLimit;
  }

  send(command: number, arg0: number, arg1: number, data?: Buffer): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    this.socket.write(encodePacket(command, arg0, arg1, data));
  }

  release(localId: number): void {
    this.streams.delete(localId);
  }

  /** The key this connection offered is now authorized: finish the handshake. */
  authorize(): void {
    if (this.state === 'unauthorized' && this.offeredKey !== null) this.goOnline();
  }

  get pendingKey(): string | null {
    return this.state === 'unauthorized' ? this.offeredKey : null;
  }

  /** Device-initiated OPEN (for a registered adb reverse). Resolves once the host OKAYs it. */
  openToHost(service: string): Promise<AdbdStream> {
    if (this.state !== 'online') return Promise.reject(Object.assign(new Error('adb transport is not online'), { code: 'ECONNREFUSED' }));
    const localId = this.allocateId();
    return new Promise((resolve, reject) => {
      this.pendingOpens.set(localId, { resolve, reject, service });
      this.send(A_OPEN, localId, 0, Buffer.from(service + '\0'));
    });
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const stream of [...this.streams.values()]) stream.handleClose();
    this.streams.clear();
    for (const pending of this.pendingOpens.values()) pending.reject(Object.assign(new Error('adb transport closed'), { code: 'ECONNREFUSED' }));
    this.pendingOpens.clear();
    this.socket.destroy();
    this.emit('close');
  }

  private allocateId(): number {
    const id = this.nextLocalId;
    this.nextLocalId = this.nextLocalId >= 0x7fffffff ? 1 : this.nextLocalId + 1;
    return id;
  }

  private onData(chunk: Buffer): void {
    let packets: AdbPacket[];
    try {
      packets = this.decoder.push(chunk);
    } catch (error) {
      this.emit('protocolError', (error as Error).message);
      this.close();
      return;
    }
    for (const packet of packets) this.handle(packet);
  }

  private handle(packet: AdbPacket): void {
    if (this.state === 'closed') return;
    switch (packet.command) {
      case A_CNXN:
        return this.onConnect(packet);
      case A_AUTH:
        return this.onAuth(packet);
      default:
        break;
    }
    if (this.state !== 'online') {
      // adbd drops anything but CNXN/AUTH before the handshake completes.
      return;
    }
    switch (packet.command) {
      case A_OPEN:
        this.onOpen(packet);
        return;
      case A_OKAY:
        return this.onOkay(packet);
      case A_WRTE:
        return this.onWrite(packet);
      case A_CLSE:
        return this.onClose(packet);
      default:
        this.emit('protocolError', `unexpected ${commandName(packet.command)} packet`);
    }
  }

  private onConnect(packet: AdbPacket): void {
    // update_version(): min of both sides.
    this.payloadLimit = Math.min(packet.arg1 || MAX_PAYLOAD_V1, MAX_PAYLOAD);
    void Math.min(packet.arg0, A_VERSION);
    if (this.options.auth.required()) {
      this.state = 'unauthorized';
      this.sendToken();
    } else {
      this.goOnline();
    }
  }

  private onAuth(packet: AdbPacket): void {
    if (this.state !== 'unauthorized' || !this.token) return;
    if (packet.arg0 === AUTH_SIGNATURE) {
      if (verifyAuthSignature(this.token, packet.data, this.options.auth.keys())) this.goOnline();
      else this.sendToken();
    } else if (packet.arg0 === AUTH_RSAPUBLICKEY) {
      const key = packet.data.toString('utf8').replace(/\0+$/, '');
      this.offeredKey = key;
      this.emit('authRequest', key);
    }
  }

  private sendToken(): void {
    this.token = newAuthToken();
    this.send(A_AUTH, AUTH_TOKEN, 0, this.token);
  }

  private goOnline(): void {
    this.state = 'online';
    this.token = null;
    this.send(A_CNXN, A_VERSION, MAX_PAYLOAD, Buffer.from(this.options.banner()));
    this.emit('online');
  }

  private async onOpen(packet: AdbPacket): Promise<void> {
    const remoteId = packet.arg0;
    const service = packet.data.toString('utf8').replace(/\0+$/, '');
    let handler: ServiceHandler | null = null;
    try {
      handler = await this.options.openService(service, this);
    } catch {
      handler = null;
    }
    if (this.state !== 'online') return;
    if (!handler) {
      this.send(A_CLSE, 0, remoteId);
      return;
    }
    const stream = new AdbdStream(this, this.allocateId(), remoteId, service);
    this.streams.set(stream.localId, stream);
    stream.on('error', () => undefined);
    this.send(A_OKAY, stream.localId, remoteId);
    handler(stream);
  }

  private onOkay(packet: AdbPacket): void {
    const pending = this.pendingOpens.get(packet.arg1);
    if (pending) {
      this.pendingOpens.delete(packet.arg1);
      const stream = new AdbdStream(this, packet.arg1, packet.arg0, pending.service);
      this.streams.set(stream.localId, stream);
      stream.on('error', () => undefined);
      pending.resolve(stream);
      return;
    }
    this.streams.get(packet.arg1)?.handleOkay();
  }

  private onWrite(packet: AdbPacket): void {
    const stream = this.streams.get(packet.arg1);
    if (stream) stream.handleWrite(packet.data);
    else this.send(A_CLSE, packet.arg1, packet.arg0);
  }

  private onClose(packet: AdbPacket): void {
    const pending = this.pendingOpens.get(packet.arg1);
    if (pending) {
      this.pendingOpens.delete(packet.arg1);
      pending.reject(Object.assign(new Error(`host refused ${pending.service}`), { code: 'ECONNREFUSED' }));
      return;
    }
    this.streams.get(packet.arg1)?.handleClose();
  }
}
