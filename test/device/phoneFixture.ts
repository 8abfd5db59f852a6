import { SimulatedPhone } from '../../sim/phone.js';
import { loadProfile } from '../../sim/profiles/index.js';
import type { Profile } from '../../sim/profile.js';
import { AdbClient, AdbServer, DeviceSession } from '../../harness/device/index.js';
import type { DeviceEntry } from '../../harness/config/index.js';

/**
 * Test setup shared by the device and drive tests: a private adb server (never the user's 5037)
 * and simulated phones started in-process on free ports, reached through that server exactly as a
 * networked phone is (`adb connect`).
 */
export class PhoneLab {
  readonly server = new AdbServer();
  client!: AdbClient;
  private phones: SimulatedPhone[] = [];
  private sessions: DeviceSession[] = [];

  async start(): Promise<void> {
    await this.server.start();
    this.client = new AdbClient({ port: this.server.port, timeoutMs: 10_000 });
  }

  async phone(profileName: string, tweak?: (profile: Profile) => void): Promise<SimulatedPhone> {
    const profile = loadProfile(profileName);
    tweak?.(profile);
    const phone = new SimulatedPhone({ profile, port: 0 });
    await phone.start();
    this.phones.push(phone);
    return phone;
  }

  /** A started DeviceSession for a phone, as devices.json (in `baseDir`) would describe it. */
  async session(phone: SimulatedPhone, extra: Partial<DeviceEntry> = {}, options: { baseDir?: string } = {}): Promise<DeviceSession> {
    const session = new DeviceSession({ entry: { name: extra.name ?? phone.profile.name, serial: phone.serial, ...extra }, adb: this.client, baseDir: options.baseDir });
    await session.start();
    this.sessions.push(session);
    return session;
  }

  async stop(): Promise<void> {
    for (const session of this.sessions.splice(0)) await session.stop().catch(() => undefined);
    for (const phone of this.phones.splice(0)) await phone.stop().catch(() => undefined);
    await this.server.stop();
  }
}
