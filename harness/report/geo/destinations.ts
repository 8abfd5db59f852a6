import type { Marker } from '../../capture/index.js';
import type { IpGeo, IpPlace } from './ipGeo.js';

/**
 * Where each host a phone contacted is: the address (the one the capture connected to in live
 * mode; else the one the phone's own resolver gave, asked after the run), and that address's
 * country and network owner from the offline databases (ipGeo.ts).
 */
export const HOST_ADDRESSES_NOTE = 'host-addresses';

export type AddressSource = 'connection' | 'phone-dns';

export interface Destination extends IpPlace {
  address: string;
  /** connection: the capture connected to it (live mode); phone-dns: the phone's resolver gave it. */
  source: AddressSource;
}

export interface DestinationRecord {
  device: string;
  host: string;
  /** Flows the phone sent to the host. */
  flows: number;
  /** Absent when neither the capture nor the phone named an address (say why in `why`). */
  destination?: Destination;
  why?: string;
}

/** The note marker that keeps the phone's resolver answers in its capture folder. */
export function hostAddressesMarker(device: string, addresses: Map<string, string>, time = Date.now()): Marker {
  return { time, kind: 'note', data: { note: HOST_ADDRESSES_NOTE, device, addresses: Object.fromEntries(addresses) } };
}

/** Host → address from a capture's host-addresses notes (a later note wins). */
export function hostAddressesFromMarkers(markers: readonly Marker[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of markers) {
    if (m.kind !== 'note' || typeof m.data !== 'object' || m.data === null || m.data.note !== HOST_ADDRESSES_NOTE) continue;
    const addresses = m.data.addresses;
    if (typeof addresses !== 'object' || addresses === null) continue;
    for (const [host, address] of Object.entries(addresses)) if (typeof address === 'string') out.set(host.toLowerCase(), address);
  }
  return out;
}

/** What one phone's flows said about a host: how many, and the addresses the capture connected to. */
export interface HostTraffic {
  flows: number;
  connected: Set<string>;
}

/** One record per host, in order of first contact. */
export async function phoneDestinations(device: string, hosts: Map<string, HostTraffic>, phoneDns: Map<string, string>, geo: IpGeo | undefined): Promise<DestinationRecord[]> {
  const out: DestinationRecord[] = [];
  for (const [host, traffic] of hosts) {
    const connected = [...traffic.connected][0];
    const resolved = phoneDns.get(host.toLowerCase());
    const address = connected ?? resolved;
    if (!address) {
      out.push({ device, host, flows: traffic.flows, why: 'no address: the capture answered as a sink and the phone\'s resolver gave none for this host' });
      continue;
    }
    const place = geo ? await geo.lookup(address) : {};
    out.push({ device, host, flows: traffic.flows, destination: { address, source: connected ? 'connection' : 'phone-dns', ...place } });
  }
  return out;
}

/** "sa.api.intl.miui.com → 161.117.71.32, SG, AS45102 Alibaba (US) Technology Co., Ltd." */
export function describeDestination(host: string, destination: Destination | undefined): string {
  if (!destination) return `${host} → address unknown`;
  const parts = [destination.address, destination.country, destination.asn !== undefined ? `AS${destination.asn}${destination.network ? ` ${destination.network}` : ''}` : undefined].filter(Boolean);
  return `${host} → ${parts.join(', ')}`;
}
