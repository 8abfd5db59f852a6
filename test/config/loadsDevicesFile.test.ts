import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_DEVICES_FILE, isConnectAddress, loadDevices, parseDevices, selectDevice } from '../../harness/config/index.js';
import { PhonehomeError } from '../../harness/errors.js';

function errorOf(fn: () => unknown): PhonehomeError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(PhonehomeError);
    return error as PhonehomeError;
  }
  throw new Error('expected a PhonehomeError');
}

const entry = (extra: Record<string, unknown> = {}) => ({ name: 'phone', serial: 'abc123', ...extra });
const parse = (doc: unknown) => parseDevices(JSON.stringify(doc), '/x/devices.json', 'devices.json');

describe('devices.json: loading and validation', () => {
  it('accepts the committed devices.json, whose default is the simulated Redmi Note 8 on a port allocated at run time', async () => {
    const file = await loadDevices(DEFAULT_DEVICES_FILE);
    const phone = selectDevice(file, undefined);
    expect(phone.serial).to.equal('auto');
    expect(phone.launch?.args).to.include('redmi-note-8-2020');
    expect(phone.launch?.args).to.include('{port}');
    expect(file.devices.filter((d) => d.launch).every((d) => d.serial === 'auto'), 'every launched phone of the shipped file allocates its port').to.equal(true);
    expect(new Set(file.devices.map((d) => d.name)).size).to.equal(file.devices.length);
  });

  it('accepts USB, adb-connect, emulator and launched phones with Appium URL, capabilities and locator overrides', () => {
    const file = parse({
      devices: [
        entry({ name: 'usb' }),
        { name: 'farm', serial: '10.0.0.7:7401', appiumUrl: 'http://grid.local:4444/wd/hub', capabilities: { 'appium:newCommandTimeout': 600 } },
        { name: 'emu', serial: 'emulator-5554', launch: { command: 'emulator', args: ['-avd', 'pixel'], readyTimeoutMs: 120000 } },
        { name: 'real', serial: 'R58M', locators: { mint: { addressBar: 'id:com.mi.globalbrowser.mini:id/url_bar' } }, packages: { 'mi-browser': 'com.mi.globalbrowser' }, proxyHost: '192.168.1.20', systemPort: 8210 },
      ],
    });
    expect(file.devices.map((d) => d.name)).to.deep.equal(['usb', 'farm', 'emu', 'real']);
    expect(file.defaultDevice).to.equal('usb');
  });

  it('names the file, the entry and the field of a wrong type', () => {
    const error = errorOf(() => parse({ devices: [entry(), entry({ name: 'second', launch: { command: 'x', readyTimeoutMs: 'soon' } })] }));
    expect(error.message).to.equal("devices.json: device 'second' (entry 2): field 'launch.readyTimeoutMs' must be an integer");
  });

  it('names a missing field and a misspelt one', () => {
    expect(errorOf(() => parse({ devices: [{ name: 'a' }] })).message).to.equal("devices.json: device 'a' (entry 1): field 'serial' is missing");
    expect(errorOf(() => parse({ devices: [entry({ seral: 'x' })] })).message).to.match(/^devices\.json: device 'phone' \(entry 1\): field 'seral' is not a known field/);
  });

  it('rejects a locator override that is not a locator, saying which forms are', () => {
    const error = errorOf(() => parse({ devices: [entry({ locators: { mint: { addressBar: 'url_bar' } } })] }));
    expect(error.message).to.match(/field 'locators\.mint\.addressBar' must be a locator such as 'id:/);
  });

  it('rejects repeated names, repeated systemPorts and a default that names no phone', () => {
    expect(errorOf(() => parse({ devices: [entry(), entry()] })).message).to.equal("devices.json: device 'phone' (entry 2): field 'name' repeats entry 1; names must be unique");
    expect(errorOf(() => parse({ devices: [entry({ systemPort: 8200 }), entry({ name: 'b', systemPort: 8200 })] })).message).to.match(/'systemPort' 8200 is also used by 'phone'/);
    expect(errorOf(() => parse({ default: 'nope', devices: [entry()] })).message).to.equal("devices.json: field 'default' names 'nope', which is not a device in this file");
  });

  it('requires a launched phone to name the address it will answer on', () => {
    expect(errorOf(() => parse({ devices: [entry({ launch: { command: 'phonehome' } })] })).message).to.match(/field 'serial' must be the host:port/);
  });

  it('reports bad JSON, a missing file and an unknown device name in one line each', async () => {
    expect(errorOf(() => parseDevices('{"devices": [', 'd.json')).message).to.match(/^d\.json: not valid JSON/);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-devices-'));
    try {
      const missing = path.join(dir, 'nope.json');
      const error = await loadDevices(missing).then(() => null, (e: unknown) => e as PhonehomeError);
      expect(error?.message).to.match(/nope\.json: cannot read it \(ENOENT\)/);
      const file = path.join(dir, 'devices.json');
      await writeFile(file, JSON.stringify({ devices: [entry()] }));
      const loaded = await loadDevices(file);
      expect(errorOf(() => selectDevice(loaded, 'other')).message).to.match(/no device named 'other' \(devices: phone\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an oversized file before parsing it', () => {
    const huge = ' '.repeat(1024 * 1024 + 1);
    expect(errorOf(() => parseDevices(huge, 'big.json')).message).to.match(/too large/);
  });

  it('tells adb-connect addresses from USB serials', () => {
    expect(isConnectAddress('127.0.0.1:5555')).to.equal(true);
    expect(isConnectAddress('farm.example:7401')).to.equal(true);
    expect(isConnectAddress('[::1]:5555')).to.equal(true);
    expect(isConnectAddress('emulator-5554')).to.equal(false);
    expect(isConnectAddress('R58M41ABCDE')).to.equal(false);
  });

  it('"serial": "auto" needs a launch command with a {port} argument, and {port} needs "auto"', async () => {
    const auto = { name: 'sim', serial: 'auto', launch: { command: 'phonehome', args: ['sim', '--profile', 'clean-control', '--port', '{port}'] } };
    expect(parse({ devices: [auto] }).devices[0]!.serial).to.equal('auto');
    expect(() => parse({ devices: [{ name: 'usb', serial: 'auto' }] })).to.throw(/devices\.json: device 'usb' \(entry 1\): field 'serial' is "auto", which needs a launch command with a \{port\} argument/);
    expect(() => parse({ devices: [{ ...auto, launch: { command: 'phonehome', args: ['sim', '--port', '5555'] } }] })).to.throw(/field 'serial' is "auto", which needs a launch command with a \{port\} argument/);
    expect(() => parse({ devices: [{ ...auto, serial: '127.0.0.1:5555' }] })).to.throw(/field 'launch\.args' holds \{port\}, which only a "serial": "auto" entry fills in/);
    const { allocateLaunchPort } = await import('../../harness/device/index.js');
    const a = await allocateLaunchPort(auto);
    const b = await allocateLaunchPort(auto);
    const port = /^127\.0\.0\.1:(\d+)$/.exec(a.serial)?.[1];
    expect(port, a.serial).to.not.equal(undefined);
    expect(a.launch!.args).to.deep.equal(['sim', '--profile', 'clean-control', '--port', port]);
    expect(b.serial).to.not.equal(a.serial);
    expect(await allocateLaunchPort({ name: 'usb', serial: 'abc123' })).to.deep.equal({ name: 'usb', serial: 'abc123' });
  });
});
