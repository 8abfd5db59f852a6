export { IpGeo, defaultGeoSources, GEO_ATTRIBUTION, type IpPlace, type IpGeoSources } from './ipGeo.js';
export { AsnTable, ipValue, type AsnEntry } from './asnTable.js';
export {
  HOST_ADDRESSES_NOTE,
  hostAddressesMarker,
  hostAddressesFromMarkers,
  phoneDestinations,
  describeDestination,
  type Destination,
  type DestinationRecord,
  type AddressSource,
  type HostTraffic,
} from './destinations.js';
