import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import { SimulatedPhone } from '../../sim/index.js';
import { A_CNXN, A_OPEN, PacketDecoder, encodePacket, type AdbPacket } from '../../sim/adbd/packet.js';
import { newRuntimeLog, testAppRuntime, testProfile } from './adbd-support/testPhones.js';

function open(port: number): Promise<{ socket: Socket; packets: AdbPacket[]; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, packets, closed }));
    const packets: AdbPacket[] = [];
    const decoder = new PacketDecoder();
    socket.on('data', (d) => packets.push(...decoder.push(d)));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
  });
}

describe('sim adbd: hostile peers', () => {
  let phone: SimulatedPhone;
  before(async () => {
    phone = new SimulatedPhone({ profile: testProfile(), port: 0, appRuntime: testAppRuntime(newRuntimeLog()) });
    await phone.start();
  });
  after(async () => phone.stop());

  it('drops a connection that sends a bad magic or an oversized payload, and keeps serving others', async () => {
    const bad = await open(phone.port);
    const header = encodePacket(A_CNXN, 0x01000001, 4096, Buffer.from('host::'));
    header.writeUInt32LE(0x12345678, 20);
    bad.socket.write(header);
    await bad.closed;

    const huge = await open(phone.port);
    const big = encodePacket(A_CNXN, 0x01000001, 4096);
    big.writeUInt32LE(64 * 1024 * 1024, 12);
    huge.socket.write(big);
    await huge.closed;

    const good = await open(phone.port);
    good.socket.write(encodePacket(A_CNXN, 0x01000001, 1024 * 1024, Buffer.from('host::features=shell_v2\0')));
    // An unknown service is refused with CLSE(0, id), not a crash.
    good.socket.write(encodePacket(A_OPEN, 7, 0, Buffer.from('jdwp:1234\0')));
    const deadline = Date.now() + 3000;
    while (good.packets.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(good.packets[0]!.data.toString()).to.match(/^device::ro\.product\.name=ginkgo;/);
    expect(good.packets[1]).to.deep.include({ command: 0x45534c43, arg0: 0, arg1: 7 });
    good.socket.destroy();
  });
});
