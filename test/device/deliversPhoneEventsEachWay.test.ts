import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { SimControlSocket, runControlCommand } from '../../sim/controlSocket.js';
import type { SimulatedPhone } from '../../sim/phone.js';
import { freePort, joinWifi, phoneEventRoute, phoneEvents, type DeviceSession } from '../../harness/device/index.js';
import type { DeviceEntry } from '../../harness/config/index.js';
import { PhoneLab } from './phoneFixture.js';

/**
 * device/phoneEvents: one API (receiveSms, signInMiAccount), three ways — an emulator's console
 * through the real `adb emu`, a simulated phone's control socket, and the operator, who is told
 * what to do and waited for until the phone shows it (or a stated timeout).
 */
describe('device: phone events from outside adb, each way a phone takes them', function () {
  this.timeout(60_000);
  const lab = new PhoneLab();
  let phone: SimulatedPhone;
  let session: DeviceSession;

  before(async () => {
    await lab.start();
    phone = await lab.phone('redmi-1s-2014');
    session = await lab.session(phone, { name: 'r1s' });
  });
  after(async () => {
    await lab.stop();
  });

  const options = (tell: (line: string) => void = () => undefined, extra: { operatorTimeoutMs?: number } = {}) => ({ adbBin: lab.client.bin, adbPort: lab.server.port, tell, pollMs: 200, ...extra });
  const inbox = async () => session.adb.shell('content query --uri content://sms/inbox --projection address:body');

  it('picks the way from the devices.json entry', () => {
    expect(phoneEventRoute({ name: 'e', serial: 'emulator-5554' })).to.equal('emulator-console');
    expect(phoneEventRoute({ name: 's', serial: '127.0.0.1:5555', launch: { command: 'phonehome', args: ['sim', '--profile', 'x', '--control', '/tmp/x.sock'] } })).to.equal('sim-control');
    expect(phoneEventRoute({ name: 's', serial: '127.0.0.1:5555', launch: { command: 'phonehome', args: ['sim', '--profile', 'x'] } })).to.equal('operator');
    expect(phoneEventRoute({ name: 'usb', serial: 'R58M123' })).to.equal('operator');
  });

  it('a simulated phone launched without a control socket: a one-line fix, not a wait for an operator', async () => {
    const entry: DeviceEntry = { name: 'sim', serial: phone.serial, launch: { command: 'phonehome', args: ['sim', '--profile', 'redmi-1s-2014'] } };
    const error = await phoneEvents(entry, session.adb, options()).receiveSms('+447700900666', 'x').then(() => undefined, (e: Error) => e);
    expect(error?.message).to.equal('sim: a simulated phone takes an SMS or a sign-in only through its control socket: add "--control", "/tmp/phonehome-sim-{port}.sock" to its launch args in devices.json');
  });

  it('a real phone: a Mi Account sign-in is asked for and waited for until `dumpsys account` lists it', async () => {
    const told: string[] = [];
    const events = phoneEvents({ name: 'r1s', serial: phone.serial }, session.adb, options((line) => {
      told.push(line);
      // The operator signs in on the phone's screen a moment later.
      if (line.includes('OPERATOR: open Settings')) setTimeout(() => runControlCommand(phone, 'mi-account sign-in'), 500);
    }, { operatorTimeoutMs: 20_000 }));
    await events.signInMiAccount();
    expect(told).to.deep.equal(['r1s: OPERATOR: open Settings → Mi Account on this phone and sign in (Mi Cloud); waiting up to 20 s', 'r1s: done, seen on the phone']);
    expect(await session.adb.shell('dumpsys account')).to.include('Account {name=1100000001, type=com.xiaomi}');
  });

  it('a simulated phone: the SMS and the sign-in go through its control socket and show on the phone', async () => {
    const socketPath = path.join(os.tmpdir(), `phonehome-events-${process.pid}.sock`);
    const control = new SimControlSocket(phone, socketPath);
    await control.start();
    try {
      const entry: DeviceEntry = { name: 'r1s', serial: phone.serial, launch: { command: 'phonehome', args: ['sim', '--profile', 'redmi-1s-2014', '--control', socketPath] } };
      const events = phoneEvents(entry, session.adb, options());
      expect(await events.receiveSms('+447700900111', 'via the control socket')).to.deep.equal({ from: '+447700900111' });
      expect(await inbox()).to.include('address=+447700900111, body=via the control socket');
      await events.signInMiAccount();
      expect(await session.adb.shell('dumpsys account')).to.include('type=com.xiaomi}');
      await events.receiveSms('not a number', 'x').then(() => expect.fail('accepted a bad sender'), (e: Error) => expect(e.message).to.equal("r1s: receiveSms(): 'not a number' is not a phone number (digits with an optional '+')"));
    } finally {
      await control.stop();
    }
  });

  it('a real phone: the operator is told what to do and how long they have; the SMS is seen in the inbox with the sender the phone recorded', async () => {
    const told: string[] = [];
    const entry: DeviceEntry = { name: 'r1s', serial: phone.serial };
    // The operator sends the SMS from their own phone (a number phonehome did not choose).
    const events = phoneEvents(entry, session.adb, options((line) => {
      told.push(line);
      if (line.includes('OPERATOR: send an SMS')) setTimeout(() => runControlCommand(phone, `sms send +447700900222 ${/"(.*)"/.exec(line)![1]}`), 300);
    }, { operatorTimeoutMs: 20_000 }));
    expect(await events.receiveSms('+447700900333', 'operator test sms')).to.deep.equal({ from: '+447700900222' });
    expect(told[0]).to.match(/^r1s: OPERATOR: send an SMS to this phone with the text "operator test sms" .*; waiting up to 20 s$/);
    expect(told[1]).to.equal('r1s: done, seen on the phone');
  });

  it('a real phone where nobody acts: a one-line error with the time waited, never a silent pass', async () => {
    const events = phoneEvents({ name: 'r1s', serial: phone.serial }, session.adb, options(() => undefined, { operatorTimeoutMs: 1000 }));
    const error = await events.receiveSms('+447700900444', 'nobody sends this').then(() => undefined, (e: Error) => e);
    expect(error?.message).to.equal('r1s: the operator was asked to send an SMS to this phone with the text "nobody sends this", and the phone did not show it within 1 s (set PHONEHOME_OPERATOR_TIMEOUT_MS for more time)');
  });

  it('an emulator: `adb emu sms send` reaches the console on the port its serial names (a console speaking the documented protocol stands in: no emulator here)', async () => {
    const port = await freePort();
    const received: string[] = [];
    const emulatorConsole = net.createServer((socket) => {
      socket.write("Android Console: type 'help' for a list of commands\r\nOK\r\n");
      let buffer = '';
      socket.on('data', (chunk) => {
        buffer += chunk.toString('utf8');
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line === 'quit') socket.end();
          else {
            received.push(line);
            socket.write(line.startsWith('sms send +') ? 'OK\r\n' : 'KO: bad phone number\r\n');
          }
        }
      });
    });
    await new Promise<void>((resolve) => emulatorConsole.listen(port, '127.0.0.1', resolve));
    try {
      const events = phoneEvents({ name: 'emu', serial: `emulator-${port}` }, session.adb, options());
      expect(events.route).to.equal('emulator-console');
      expect(await events.receiveSms('+447700900555', 'from the console')).to.deep.equal({ from: '+447700900555' });
      expect(received.filter((l) => l.startsWith('sms'))).to.deep.equal(['sms send +447700900555 from the console']);
      const refused = await events.receiveSms('447700900555', 'no plus').then(() => undefined, (e: Error) => e);
      expect(refused?.message).to.equal("emu: the emulator console refused 'sms send': KO: bad phone number");
    } finally {
      await new Promise<void>((resolve) => emulatorConsole.close(() => resolve()));
    }
  });

  it('joinWifi turns Wi-Fi off and on over adb; refused when adb itself runs over the network', async () => {
    await joinWifi({ name: 'r1s', serial: phone.serial }, session.adb);
    expect((await session.adb.shell('settings get global wifi_on')).trim()).to.equal('1');
    const refused = await joinWifi({ name: 'lan', serial: '192.168.1.20:5555' }, session.adb).then(() => undefined, (e: Error) => e);
    expect(refused?.message).to.match(/^lan: joinWifi\(\) turns Wi-Fi off and on, which would cut adb to 192\.168\.1\.20:5555/);
  });
});
