import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Reader, type Response } from 'mmdb-lib';
import { AsnTable, ipValue } from './asnTable.js';

/**
 * Where an address is, offline: its country and its network's owner (ASN). No look-up ever leaves
 * the machine: both databases are registry packages installed beside phonehome.
 *  - Country: @ip-location-db/geo-whois-asn-country-mmdb (CC0-1.0; MaxMind DB format, read with
 *    mmdb-lib, MIT). It places 161.117.0.0/16 in SG, where Alibaba Cloud's Singapore region is.
 *  - Network owner: @ip-location-db/asn (DB-IP's IP-to-ASN Lite, CC BY 4.0, and RouteViews,
 *    CC BY 4.0: attribution "IP to ASN by DB-IP (db-ip.com) and RouteViews"), as range CSVs.
 * Both are optional dependencies: without them a destination shows its address only, and the
 * report says why in one line.
 */
export interface IpPlace {
  /** ISO 3166 alpha-2 country code. */
  country?: string;
  asn?: number;
  /** The network's owner as the ASN database names it ("Alibaba (US) Technology Co., Ltd."). */
  network?: string;
}

export interface IpGeoSources {
  /** The country .mmdb file. */
  countryMmdb: string;
  /** Folder with asn-ipv4-num.csv and asn-ipv6-num.csv. */
  asnDir: string;
}

export const GEO_ATTRIBUTION = 'Country: ip-location-db geo-whois-asn-country (CC0). Network owner: IP to ASN Lite by DB-IP (db-ip.com, CC BY 4.0) and RouteViews (routeviews.org, CC BY 4.0).';

const COUNTRY_PACKAGE = '@ip-location-db/geo-whois-asn-country-mmdb';
const ASN_PACKAGE = '@ip-location-db/asn';

/** The installed packages' files, or undefined for a package that is not installed. */
export function defaultGeoSources(): Partial<IpGeoSources> {
  const require = createRequire(import.meta.url);
  const dirOf = (pkg: string) => {
    try {
      return path.dirname(require.resolve(`${pkg}/package.json`));
    } catch {
      return undefined;
    }
  };
  const countryDir = dirOf(COUNTRY_PACKAGE);
  const asnDir = dirOf(ASN_PACKAGE);
  return {
    ...(countryDir ? { countryMmdb: path.join(countryDir, 'geo-whois-asn-country.mmdb') } : {}),
    ...(asnDir ? { asnDir } : {}),
  };
}

/** Looks addresses up in whichever databases could be opened; `warnings` says what is missing. */
export class IpGeo {
  readonly warnings: string[];
  readonly sources: string[];
  private readonly country: Reader<Response> | undefined;
  private readonly asnDir: string | undefined;
  private readonly tables = new Map<4 | 6, Promise<AsnTable | undefined>>();

  private constructor(country: Reader<Response> | undefined, asnDir: string | undefined, warnings: string[], sources: string[]) {
    this.country = country;
    this.asnDir = asnDir;
    this.warnings = warnings;
    this.sources = sources;
  }

  /** Opens the databases; never throws (a missing or broken one is a warning). */
  static async open(sources: Partial<IpGeoSources> = defaultGeoSources()): Promise<IpGeo> {
    const missing: string[] = [];
    const names: string[] = [];
    let country: Reader<Response> | undefined;
    if (!sources.countryMmdb) missing.push(`no country (npm package ${COUNTRY_PACKAGE} not installed)`);
    else {
      try {
        country = new Reader<Response>(await readFile(sources.countryMmdb));
        names.push(`${path.basename(sources.countryMmdb)} (built ${new Date(Number(country.metadata.buildEpoch)).toISOString().slice(0, 10)})`);
      } catch (error) {
        missing.push(`no country (cannot read ${sources.countryMmdb}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
    }
    let asnDir: string | undefined;
    if (!sources.asnDir) missing.push(`no network owner (npm package ${ASN_PACKAGE} not installed)`);
    else if (!(await stat(path.join(sources.asnDir, 'asn-ipv4-num.csv')).catch(() => undefined))?.isFile()) {
      missing.push(`no network owner (${path.join(sources.asnDir, 'asn-ipv4-num.csv')} is missing)`);
    } else {
      asnDir = sources.asnDir;
      names.push(`${ASN_PACKAGE} ipv4/ipv6 range tables`);
    }
    // One line, whatever is missing: the report still shows every address.
    const warnings = missing.length > 0 ? [`IP geolocation database missing: destinations show ${missing.join(' and ')}; install with: npm install ${COUNTRY_PACKAGE} ${ASN_PACKAGE}`] : [];
    return new IpGeo(country, asnDir, warnings, names);
  }

  /** Country and network owner of `address`; empty when neither database knows it (loopback, private). */
  async lookup(address: string): Promise<IpPlace> {
    const place: IpPlace = {};
    const ip = ipValue(address.startsWith('::ffff:') ? address.slice(7) : address);
    if (!ip) return place;
    if (this.country) {
      try {
        // ip-location-db's country databases hold { country_code } records, not MaxMind's own shape.
        const record = this.country.get(address) as { country_code?: string } | null;
        if (record?.country_code) place.country = record.country_code;
      } catch {
        // not an address the reader accepts: no country
      }
    }
    const table = await this.table(ip.family);
    const entry = table?.lookup(ip.value);
    if (entry) {
      place.asn = entry.asn;
      if (entry.org) place.network = entry.org;
    }
    return place;
  }

  private table(family: 4 | 6): Promise<AsnTable | undefined> {
    if (!this.asnDir) return Promise.resolve(undefined);
    let table = this.tables.get(family);
    if (!table) {
      const file = path.join(this.asnDir, family === 4 ? 'asn-ipv4-num.csv' : 'asn-ipv6-num.csv');
      table = AsnTable.load(file, family).catch((error: Error) => {
        this.warnings.push(`network-owner database ${file} unreadable (${error.message}); destinations show no ASN`);
        return undefined;
      });
      this.tables.set(family, table);
    }
    return table;
  }
}
